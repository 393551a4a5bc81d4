package org.sciencegateway.keycloak.hubtenants.registration;

import java.lang.reflect.Field;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.jboss.logging.Logger;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.RealmModel;
import org.keycloak.models.UserModel;
import org.keycloak.representations.oidc.OIDCClientRepresentation;
import org.keycloak.services.clientregistration.ClientRegistrationContext;
import org.keycloak.services.clientregistration.oidc.OIDCClientRegistrationContext;

/**
 * Who will own a requested hub: the realm accounts named by the registration's RFC 7591 {@code contacts} (e-mail
 * addresses). Keycloak turns an OpenID Connect registration into its own client representation, which has no field
 * for contacts; the request as sent stays in the registration context, read here. Owners must already be accounts of
 * the realm (they log in once with their institution first), so a realm admin approves a hub for known people, and
 * only they receive its console rights and its secret.
 */
final class RequestedOwners {

    private static final Logger LOG = Logger.getLogger(RequestedOwners.class);
    static final int MAX_CONTACTS = 5;
    private static final Field OIDC_REPRESENTATION = oidcRepresentationField();

    private RequestedOwners() {
    }

    /** The owners' user ids, or the problem with the request's contacts. */
    static Result of(KeycloakSession session, RealmModel realm, ClientRegistrationContext context) {
        if (!(context instanceof OIDCClientRegistrationContext)) {
            return Result.problem("A hub is requested by RFC 7591 (clients-registrations/openid-connect) with "
                    + "contacts: this endpoint's representation carries no contacts.");
        }
        List<String> contacts = contacts(context);
        if (contacts == null || contacts.isEmpty()) {
            return Result.problem("contacts is required: the e-mail address of the hub's admin (and of up to "
                    + (MAX_CONTACTS - 1) + " more), each an account of this realm.");
        }
        if (contacts.size() > MAX_CONTACTS) {
            return Result.problem("At most " + MAX_CONTACTS + " contacts.");
        }
        Set<String> owners = new LinkedHashSet<>();
        for (String contact : contacts) {
            String email = contact == null ? "" : contact.trim();
            // Every account holding the address (a realm may allow duplicates): an owner is the one enabled account
            // that holds it verified. A user can set an unverified address on their own account (update profile):
            // that names no one and blocks no one; an address two accounts hold verified names no one.
            List<UserModel> holders = email.isEmpty() || email.length() > 254 ? List.of()
                    : session.users().searchForUserStream(realm, Map.of(UserModel.EMAIL, email, UserModel.EXACT, "true"))
                            .filter(u -> email.equalsIgnoreCase(u.getEmail()))
                            .filter(u -> u.isEnabled() && u.getServiceAccountClientLink() == null)
                            .limit(20).toList();
            List<UserModel> verified = holders.stream().filter(UserModel::isEmailVerified).limit(2).toList();
            if (holders.isEmpty()) {
                return Result.problem("Contact '" + HubRegistrationRules.printable(email) + "' is not the e-mail "
                        + "address of an account of this realm: each hub admin logs in once with their institution, "
                        + "then requests the hub.");
            }
            if (verified.isEmpty()) {
                return Result.problem("Contact '" + HubRegistrationRules.printable(email) + "' is not a verified "
                        + "e-mail address of this realm: an owner's address must be verified (by their institution, "
                        + "whose identity provider trusts it, or by Keycloak's e-mail verification).");
            }
            if (verified.size() > 1) {
                return Result.problem("Contact '" + HubRegistrationRules.printable(email) + "' is the verified e-mail "
                        + "address of more than one account of this realm: it names no one. Ask a realm admin.");
            }
            UserModel user = verified.get(0);
            owners.add(user.getId());
        }
        return new Result(List.copyOf(owners), List.copyOf(contacts), null);
    }

    record Result(List<String> ownerIds, List<String> contacts, String problem) {
        static Result problem(String description) {
            return new Result(List.of(), List.of(), description);
        }
    }

    private static List<String> contacts(ClientRegistrationContext context) {
        OIDCClientRepresentation request = request(context);
        return request == null || request.getContacts() == null ? null : new ArrayList<>(request.getContacts());
    }

    /** The RFC 7591 request as sent, or {@code null} (another endpoint, or unreadable: then refused by the caller). */
    static OIDCClientRepresentation request(ClientRegistrationContext context) {
        if (!(context instanceof OIDCClientRegistrationContext) || OIDC_REPRESENTATION == null) {
            return null; // Keycloak's own representation endpoint carries no contacts: register by RFC 7591
        }
        try {
            return (OIDCClientRepresentation) OIDC_REPRESENTATION.get(context);
        } catch (IllegalAccessException | RuntimeException e) {
            LOG.error("Cannot read the request of a hub registration; registrations are refused", e);
            return null;
        }
    }

    private static Field oidcRepresentationField() {
        try {
            Field field = OIDCClientRegistrationContext.class.getDeclaredField("oidcRep");
            field.setAccessible(true);
            return field;
        } catch (NoSuchFieldException | RuntimeException e) {
            LOG.error("This Keycloak's OIDC registration context has no request representation to read contacts "
                    + "from; hub registrations are refused (contacts required)", e);
            return null;
        }
    }

}
