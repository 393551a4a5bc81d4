package org.sciencegateway.keycloak.theme.picker;

import java.util.List;

/**
 * One entry of the institution picker: an identity provider as users know it (read from its config by
 * {@link InstitutionDirectory}).
 *
 * @param alias       identity-provider alias (what the login uses)
 * @param name        display name
 * @param domains     web or email domains users may type ({@code uni-a.example.org})
 * @param otherNames  abbreviations, former or translated names ({@code AAU}, {@code Aalborg Universitet})
 * @param logo        logo URL ({@code https://…}, a path on this server, or {@code theme:img/…} in the login theme),
 *                    or {@code null}
 */
public record Institution(String alias, String name, List<String> domains, List<String> otherNames, String logo) {

    public Institution {
        if (alias == null || alias.isBlank()) {
            throw new IllegalArgumentException("an institution needs an identity-provider alias");
        }
        name = name == null || name.isBlank() ? alias : name.strip();
        domains = domains == null ? List.of() : List.copyOf(domains);
        otherNames = otherNames == null ? List.of() : List.copyOf(otherNames);
        logo = safeLogo(logo);
    }

    /** Only image sources that cannot run script in the page: web URLs, server paths, theme resources. */
    public static String safeLogo(String logo) {
        if (logo == null || logo.isBlank()) {
            return null;
        }
        String value = logo.strip();
        boolean web = value.startsWith("https://") || value.startsWith("http://");
        boolean serverPath = value.startsWith("/") && !value.startsWith("//");
        boolean themeResource = value.startsWith("theme:") && !value.contains("..");
        return web || serverPath || themeResource ? value : null;
    }
}
