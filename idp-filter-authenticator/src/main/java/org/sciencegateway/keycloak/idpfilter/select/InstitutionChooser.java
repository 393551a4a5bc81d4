package org.sciencegateway.keycloak.idpfilter.select;

import org.keycloak.authentication.AuthenticationFlowContext;
import org.keycloak.models.KeycloakSession;
import org.keycloak.provider.Provider;
import org.sciencegateway.keycloak.idpfilter.enforce.IdentityProviderMetadata;
import org.sciencegateway.keycloak.idpfilter.rules.ProviderMetadata;

import java.util.function.Function;

/**
 * A page on which the user chooses among the identity providers a client admits, shown by
 * {@link IdentityProviderSelectionAuthenticator} when more than one is admissible. The theme module's institution
 * picker is the implementation this project ships; without one (or when {@link #available()} says no), Keycloak's own
 * login page is used with the form attribute {@value IdentityProviderSelectionAuthenticator#FORM_ATTRIBUTE}.
 * <p>
 * The contract, in both directions: the filter passes an {@link Admission} and the chooser offers nothing outside it;
 * the chooser ends a choice with {@link BrokerRedirect#to}, {@code context.attempted()} (local login, when the
 * admission allows it) or a challenge of its own page. A chooser never decides admission: the filter's
 * {@code enforce} package decides again on the identity provider actually used, whatever the page sent.
 */
public interface InstitutionChooser extends Provider {

    /** Whether this login can use the chooser (for example: the login theme in force has its template). */
    boolean available();

    /**
     * What is known of each identity provider before the login (its federation metadata), for the admission's
     * entries on entity categories, certifications and registration authority. By default each alias is looked up
     * in the realm; a chooser that holds a listing of the realm's identity providers answers from it (a page over
     * thousands of them must not look each one up). Offering only: {@code enforce} reads the identity provider
     * actually used afresh.
     */
    default Function<String, ProviderMetadata> knownMetadata(KeycloakSession session) {
        return alias -> IdentityProviderMetadata.provider(session, alias);
    }

    /** First display for this authentication step. */
    void show(AuthenticationFlowContext context, Admission admission);

    /** A form posted back to this authentication step by the chooser's page. */
    void action(AuthenticationFlowContext context, Admission admission);

    @Override
    default void close() {
    }
}
