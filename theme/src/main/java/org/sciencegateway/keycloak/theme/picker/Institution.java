package org.sciencegateway.keycloak.theme.picker;

import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One entry of the institution picker: an identity provider as users know it (read from its config by
 * {@link InstitutionDirectory}).
 *
 * @param alias       identity-provider alias (what the login uses)
 * @param name        display name
 * @param domains     web or email domains users may type ({@code uni-a.example.org})
 * @param otherNames  abbreviations, former or translated names ({@code AAU}, {@code Aalborg Universitet})
 * @param logo        logo URL ({@code https://…}, a path on this server, {@code theme:img/…} in the login theme, or
 *                    {@code inline:<version>} for an image from federation metadata the server serves), or {@code null}
 * @param names       display names by language ({@code de} → "Universität Bern Test IdP"), from the federation's
 *                    metadata; may be empty
 */
public record Institution(String alias, String name, List<String> domains, List<String> otherNames, String logo,
                          Map<String, String> names) {

    public Institution(String alias, String name, List<String> domains, List<String> otherNames, String logo) {
        this(alias, name, domains, otherNames, logo, Map.of());
    }

    public Institution {
        if (alias == null || alias.isBlank()) {
            throw new IllegalArgumentException("an institution needs an identity-provider alias");
        }
        name = name == null || name.isBlank() ? alias : name.strip();
        domains = domains == null ? List.of() : List.copyOf(domains);
        otherNames = otherNames == null ? List.of() : List.copyOf(otherNames);
        logo = safeLogo(logo);
        names = names == null ? Map.of() : Map.copyOf(names);
    }

    /** The name in the user's language (Keycloak's chosen locale), else English, else the display name. */
    public String name(Locale locale) {
        String local = locale == null ? null : names.get(locale.getLanguage());
        String chosen = local != null ? local : names.get("en");
        return chosen == null || chosen.isBlank() ? name : chosen.strip();
    }

    /** An inline logo from federation metadata, served by {@link InstitutionsResource#logo}: {@code inline:<version>}. */
    static final java.util.regex.Pattern INLINE = java.util.regex.Pattern.compile("inline:[0-9a-f]{1,32}");

    /**
     * Only image sources that cannot run script in the page: web URLs, server paths, theme resources, inline logos
     * the server serves as checked raster images.
     */
    public static String safeLogo(String logo) {
        if (logo == null || logo.isBlank()) {
            return null;
        }
        String value = logo.strip();
        boolean web = value.startsWith("https://") || value.startsWith("http://");
        boolean serverPath = value.startsWith("/") && !value.startsWith("//");
        boolean themeResource = value.startsWith("theme:") && !value.contains("..");
        boolean inline = INLINE.matcher(value).matches();
        return web || serverPath || themeResource || inline ? value : null;
    }
}
