package org.sciencegateway.keycloak.theme.picker;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One result row of the picker, as the page's FreeMarker macro {@code resultRow} and the JSON search both show it:
 * the page renders it, the script fills a clone of the same macro's {@code <template>} from the JSON. The logo's
 * address is resolved here, on the server: {@code theme:img/…} becomes a URL of the login theme in force, so neither
 * the template nor the script interprets logo values.
 */
public final class ResultRow {

    private static final String THEME_PREFIX = "theme:";
    private static final String INLINE_PREFIX = "inline:";

    private final Institution institution;
    private final boolean recent;
    private final String logoUrl;
    private final String loginUrl;
    private final String name;

    private ResultRow(Institution institution, boolean recent, String logoUrl, String loginUrl, Locale locale) {
        this.institution = institution;
        this.name = institution.name(locale);
        this.recent = recent;
        this.logoUrl = logoUrl;
        this.loginUrl = loginUrl;
    }

    /**
     * @param paths    where logos resolve: the login theme's resources, the realm's inline logos
     * @param loginUrl the broker login of this institution, or {@code null} where the script builds it (JSON)
     * @param locale   the user's language (Keycloak's chosen locale): which of the institution's names shows
     */
    static ResultRow of(Institution institution, boolean recent, LogoPaths paths, String loginUrl, Locale locale) {
        return new ResultRow(institution, recent, logoUrl(institution, paths), loginUrl, locale);
    }

    /**
     * Where logos resolve.
     *
     * @param themeResources the login theme's resource path ({@code /resources/<version>/login/<theme>})
     * @param inlineLogos    the realm's logo endpoint ({@code /realms/<realm>/institutions/logo/})
     */
    record LogoPaths(String themeResources, String inlineLogos) {
    }

    /** The image address a browser loads for a logo value ({@link Institution#safeLogo} already dropped unsafe ones). */
    static String logoUrl(Institution institution, LogoPaths paths) {
        String logo = institution.logo();
        if (logo == null) {
            return null;
        }
        if (logo.startsWith(THEME_PREFIX)) {
            return paths.themeResources() + "/" + logo.substring(THEME_PREFIX.length());
        }
        if (logo.startsWith(INLINE_PREFIX)) {
            return paths.inlineLogos() + java.net.URLEncoder.encode(institution.alias(),
                    java.nio.charset.StandardCharsets.UTF_8) + "?v=" + logo.substring(INLINE_PREFIX.length());
        }
        return logo;
    }

    public String getAlias() {
        return institution.alias();
    }

    public String getName() {
        return name;
    }

    /** The first letter of the name, shown in place of a missing logo. */
    public String getInitial() {
        return name.substring(0, Character.charCount(name.codePointAt(0))).toUpperCase(Locale.ROOT);
    }

    public List<String> getDomains() {
        return institution.domains();
    }

    /** The logo as configured on the identity provider (kept in the JSON for clients that read it). */
    public String getLogo() {
        return institution.logo();
    }

    /** The logo's URL, or {@code null}: then the row shows {@link #getInitial()}. */
    public String getLogoUrl() {
        return logoUrl;
    }

    public boolean isRecent() {
        return recent;
    }

    public String getLoginUrl() {
        return loginUrl;
    }

    /** The JSON search's form of the row. */
    Map<String, Object> json() {
        Map<String, Object> item = new LinkedHashMap<>();
        item.put("alias", getAlias());
        item.put("name", getName());
        item.put("initial", getInitial());
        item.put("domains", getDomains());
        item.put("logo", getLogo());
        item.put("logoUrl", logoUrl);
        item.put("recent", recent);
        return item;
    }
}
