package org.sciencegateway.keycloak.idpfilter.rules;

import com.google.re2j.Pattern;
import com.google.re2j.PatternSyntaxException;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * A client's login rules, parsed from the JSON document admins store on the client (format in docs/idp-filter.md,
 * modelled on the REFEDS Entity Selection Profile: entries select identity providers and institutions by
 * identifier, registration authority, entity category, assurance certification, email domain or organization, and
 * are either included or excluded).
 *
 * <pre>{@code
 * {
 *   "localAccounts": false,
 *   "allow": [ {"idp": "institution-a"},
 *              {"idp": "federation-proxy", "institution": "https://idp.uni-allowed.example.org"} ],
 *   "deny":  [ {"registrationAuthority": "https://federation.example.org"} ]
 * }
 * }</pre>
 * <p>
 * Longer than this project's other classes on purpose: it is the complete, strict reader of one document format
 * (every key, type and pattern checked with a message naming the place), and the format is easier to review in one
 * file than spread over several.
 *
 * @param allow         entries of which one must match
 * @param deny          entries of which none may match; deny wins over allow
 * @param localAccounts whether logins without an identity provider (password, registration, credential reset) pass
 */
public record InstitutionRules(List<RuleEntry> allow, List<RuleEntry> deny, boolean localAccounts) {

    static final String IDP = "idp";
    static final String IDP_PATTERN = "idpPattern";
    static final String INSTITUTION = "institution";
    static final String INSTITUTION_PATTERN = "institutionPattern";
    static final String REGISTRATION_AUTHORITY = "registrationAuthority";
    static final String EMAIL_DOMAIN = "emailDomain";
    static final String ORGANIZATION = "organization";
    static final String ENTITY_CATEGORY = "entityCategory";
    static final String ASSURANCE_CERTIFICATION = "assuranceCertification";
    static final String NAME = "name";
    private static final Set<String> ENTRY_KEYS = Set.of(NAME, IDP, IDP_PATTERN, INSTITUTION, INSTITUTION_PATTERN,
            REGISTRATION_AUTHORITY, EMAIL_DOMAIN, ORGANIZATION, ENTITY_CATEGORY, ASSURANCE_CERTIFICATION);
    private static final Set<String> TOP_LEVEL_KEYS = Set.of("allow", "deny", "localAccounts");
    private static final int MAX_DOCUMENT_LENGTH = 256 * 1024;
    private static final int MAX_PATTERN_LENGTH = 512;
    /**
     * One reading of a document: a key given twice or text after the object is refused, not read one way by the
     * filter while an admin reads it another.
     */
    private static final ObjectMapper JSON = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    public InstitutionRules {
        allow = List.copyOf(allow);
        deny = List.copyOf(deny);
    }

    /**
     * Parses and validates a rule document.
     *
     * @throws InvalidRulesException with a message naming the offending key and what to write instead
     */
    public static InstitutionRules parse(String document) throws InvalidRulesException {
        if (document == null || document.isBlank()) {
            throw new InvalidRulesException("The rules are empty. Write a JSON object such as "
                    + "{\"allow\": [{\"idp\": \"my-idp\"}]}.");
        }
        if (document.length() > MAX_DOCUMENT_LENGTH) {
            throw new InvalidRulesException("The rules are longer than " + MAX_DOCUMENT_LENGTH + " characters.");
        }
        JsonNode root;
        try {
            root = JSON.readTree(document);
        } catch (JsonProcessingException e) {
            // (a document nested too deeply is refused by the parser's limits, with no location)
            throw new InvalidRulesException("The rules are not valid JSON"
                    + (e.getLocation() == null ? "" : " (line " + e.getLocation().getLineNr() + ", column "
                    + e.getLocation().getColumnNr() + ")") + ": " + e.getOriginalMessage());
        }
        if (root == null || !root.isObject()) {
            throw new InvalidRulesException("The rules must be a JSON object with the keys allow, deny and "
                    + "localAccounts.");
        }
        for (Iterator<String> names = root.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!TOP_LEVEL_KEYS.contains(name)) {
                throw new InvalidRulesException("Unknown key '" + name + "'. The rules accept only allow, deny and "
                        + "localAccounts.");
            }
        }
        boolean localAccounts = false;
        JsonNode local = root.get("localAccounts");
        if (local != null) {
            if (!local.isBoolean()) {
                throw new InvalidRulesException("localAccounts must be true or false.");
            }
            localAccounts = local.booleanValue();
        }
        List<RuleEntry> allow = entries(root, "allow");
        List<RuleEntry> deny = entries(root, "deny");
        if (allow.isEmpty() && !localAccounts) {
            throw new InvalidRulesException("allow lists no entry and localAccounts is not true, so nobody could "
                    + "log in. Add an entry such as {\"idp\": \"my-idp\"}.");
        }
        return new InstitutionRules(allow, deny, localAccounts);
    }

    private static List<RuleEntry> entries(JsonNode root, String listName) throws InvalidRulesException {
        JsonNode list = root.get(listName);
        if (list == null) {
            return List.of();
        }
        if (!list.isArray()) {
            throw new InvalidRulesException(listName + " must be a JSON array of entries.");
        }
        List<RuleEntry> entries = new ArrayList<>();
        for (int i = 0; i < list.size(); i++) {
            entries.add(entry(list.get(i), listName + "[" + i + "]"));
        }
        return entries;
    }

    private static RuleEntry entry(JsonNode node, String where) throws InvalidRulesException {
        if (!node.isObject()) {
            throw new InvalidRulesException(where + " must be a JSON object such as {\"idp\": \"my-idp\"}.");
        }
        for (Iterator<Map.Entry<String, JsonNode>> fields = ((ObjectNode) node).fields(); fields.hasNext(); ) {
            String key = fields.next().getKey();
            if (!ENTRY_KEYS.contains(key)) {
                throw new InvalidRulesException(where + ": unknown key '" + key + "'. An entry accepts " + String.join(
                        ", ", List.of(IDP, IDP_PATTERN, INSTITUTION, INSTITUTION_PATTERN, REGISTRATION_AUTHORITY,
                                EMAIL_DOMAIN, ORGANIZATION, ENTITY_CATEGORY, ASSURANCE_CERTIFICATION, NAME)) + ".");
            }
        }
        if (node.has(IDP) && node.has(IDP_PATTERN)) {
            throw new InvalidRulesException(where + ": use either idp or idpPattern, not both.");
        }
        if (node.has(INSTITUTION) && node.has(INSTITUTION_PATTERN)) {
            throw new InvalidRulesException(where + ": use either institution or institutionPattern, not both.");
        }
        String label = where;
        JsonNode name = node.get(NAME);
        if (name != null) {
            if (!name.isTextual() || name.textValue().isBlank()) {
                throw new InvalidRulesException(where + ".name must be a non-empty string.");
            }
            label = name.textValue();
        }
        Set<String> idps = strings(node, IDP, where);
        Pattern idpPattern = pattern(node, IDP_PATTERN, where);
        Set<String> institutions = strings(node, INSTITUTION, where);
        Pattern institutionPattern = pattern(node, INSTITUTION_PATTERN, where);
        Set<String> authorities = strings(node, REGISTRATION_AUTHORITY, where);
        Set<String> domains = new LinkedHashSet<>();
        for (String domain : strings(node, EMAIL_DOMAIN, where)) {
            if (domain.contains("@") || domain.startsWith(".") || domain.contains(" ")) {
                throw new InvalidRulesException(where + ".emailDomain: '" + domain + "' is not a domain; write it "
                        + "as example.org.");
            }
            domains.add(domain.toLowerCase(Locale.ROOT));
        }
        Set<String> organizations = strings(node, ORGANIZATION, where);
        Set<String> categories = strings(node, ENTITY_CATEGORY, where);
        Set<String> certifications = strings(node, ASSURANCE_CERTIFICATION, where);
        RuleEntry entry = new RuleEntry(label, idps, idpPattern, institutions, institutionPattern, authorities,
                domains, organizations, categories, certifications);
        if (!entry.hasIdentityProviderCondition() && institutions.isEmpty() && institutionPattern == null
                && authorities.isEmpty() && domains.isEmpty() && organizations.isEmpty() && categories.isEmpty()
                && certifications.isEmpty()) {
            throw new InvalidRulesException(where + " has no condition. Give at least one of idp, idpPattern, "
                    + "institution, institutionPattern, registrationAuthority, emailDomain, organization, "
                    + "entityCategory, assuranceCertification.");
        }
        return entry;
    }

    private static Set<String> strings(JsonNode entry, String key, String where) throws InvalidRulesException {
        JsonNode value = entry.get(key);
        if (value == null) {
            return Set.of();
        }
        Set<String> result = new LinkedHashSet<>();
        if (value.isTextual()) {
            result.add(nonBlank(value, where + "." + key));
        } else if (value.isArray() && !value.isEmpty()) {
            for (int i = 0; i < value.size(); i++) {
                result.add(nonBlank(value.get(i), where + "." + key + "[" + i + "]"));
            }
        } else {
            throw new InvalidRulesException(where + "." + key + " must be a string or a non-empty array of strings.");
        }
        return result;
    }

    /** A non-empty string, exactly as written: no surrounding spaces or control characters (read as written). */
    private static String nonBlank(JsonNode value, String where) throws InvalidRulesException {
        if (!value.isTextual() || value.textValue().isBlank()) {
            throw new InvalidRulesException(where + " must be a non-empty string.");
        }
        String text = value.textValue();
        if (!text.equals(text.strip()) || text.chars().anyMatch(Character::isISOControl)) {
            throw new InvalidRulesException(where + " has spaces around it or control characters; write the value "
                    + "exactly.");
        }
        return text;
    }

    private static Pattern pattern(JsonNode entry, String key, String where) throws InvalidRulesException {
        JsonNode value = entry.get(key);
        if (value == null) {
            return null;
        }
        String regex = nonBlank(value, where + "." + key);
        if (regex.length() > MAX_PATTERN_LENGTH) {
            throw new InvalidRulesException(where + "." + key + " is longer than " + MAX_PATTERN_LENGTH
                    + " characters.");
        }
        try {
            return Pattern.compile(regex);
        } catch (PatternSyntaxException e) {
            // RE2 syntax: no backreferences or lookaround, which is what keeps matching linear in the input.
            throw new InvalidRulesException(where + "." + key + " is not a valid regular expression (RE2 syntax, "
                    + e.getDescription() + "): " + regex);
        }
    }

    /** Exact identity-provider aliases the rules name, for checking them against the realm at save time. */
    public Set<String> namedIdentityProviders() {
        Set<String> aliases = new LinkedHashSet<>();
        allow.forEach(e -> aliases.addAll(e.identityProviders()));
        deny.forEach(e -> aliases.addAll(e.identityProviders()));
        return aliases;
    }
}
