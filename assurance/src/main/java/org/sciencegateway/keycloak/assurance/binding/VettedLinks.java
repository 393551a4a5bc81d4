package org.sciencegateway.keycloak.assurance.binding;

import java.util.Collection;

/**
 * Which links to identity providers trusted for assurance may raise a level. A link is vetted when it was made where
 * the account's own highest level was shown in the same login, or when it is the account's origin:
 * <ul>
 *   <li>first-broker-login created the account through that institution identity ({@link #ACCOUNT_CREATED});</li>
 *   <li>{@code kc_action=idp_link} completed in a login that reached the realm's highest level ({@link #LINKED_AT_LEVEL});</li>
 *   <li>a login through the unvetted link also passed the account's own second factor ({@link #STEPPED_UP});</li>
 *   <li>an admin added the record (docs/assurance.md, "Vetted links").</li>
 * </ul>
 * Everything else — links made before this record existed, by Keycloak's legacy linking endpoint, by an admin's REST
 * call or a realm import — counts at the federated base level until vetted. The record names the exact brokered
 * account ({@code alias} and the provider's user id): re-linking the institution to another account is not vetted.
 * Plain Java: no Keycloak types.
 */
public final class VettedLinks {

    /** User attribute (multi-valued) of vetted links; writable by admins only (see {@link #userWritable}). */
    public static final String ATTRIBUTE = "sg.assurance.vetted-links";

    /** How a link was vetted (log and event detail). */
    public static final String ACCOUNT_CREATED = "account_created_through_it";
    public static final String LINKED_AT_LEVEL = "linked_at_highest_level";
    public static final String STEPPED_UP = "stepped_up_with_own_factor";

    private VettedLinks() {
    }

    /** The attribute value naming one brokered account: {@code "<alias> <provider's user id>"}. */
    public static String value(String alias, String brokeredUserId) {
        if (alias == null || alias.isEmpty() || brokeredUserId == null || brokeredUserId.isEmpty()) {
            throw new IllegalArgumentException("a vetted link names a provider alias and the provider's user id");
        }
        return alias + " " + brokeredUserId;
    }

    /** Whether the record names exactly this brokered account. */
    public static boolean vetted(Collection<String> recorded, String alias, String brokeredUserId) {
        if (recorded == null || alias == null || brokeredUserId == null || alias.isEmpty() || brokeredUserId.isEmpty()) {
            return false;
        }
        return recorded.contains(value(alias, brokeredUserId));
    }

    /**
     * Whether users could write the record themselves through Keycloak's user profile (account console, account REST,
     * update-profile forms): then it proves nothing and no link counts as vetted.
     *
     * @param declared          the realm's user profile declares the attribute
     * @param userMayEdit       declared, with {@code user} among the roles that may edit it
     * @param unmanagedEditable undeclared attributes are editable by users (unmanaged attribute policy {@code ENABLED})
     */
    public static boolean userWritable(boolean declared, boolean userMayEdit, boolean unmanagedEditable) {
        return declared ? userMayEdit : unmanagedEditable;
    }
}
