package org.sciencegateway.keycloak.testing;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * A realm's user profile changed so that users may edit one attribute themselves (as a careless admin might), and
 * restored when closed: {@code try (UserProfileEdit edit = UserProfileEdit.letUsersEdit(admin, "vre", "x")) {…}}.
 */
public final class UserProfileEdit implements AutoCloseable {

    private final KeycloakAdmin admin;
    private final String path;
    private final ObjectNode original;

    private UserProfileEdit(KeycloakAdmin admin, String path, ObjectNode original) {
        this.admin = admin;
        this.path = path;
        this.original = original;
    }

    public static UserProfileEdit letUsersEdit(KeycloakAdmin admin, String realm, String attributeName) {
        String path = "/admin/realms/" + realm + "/users/profile";
        ObjectNode original = (ObjectNode) admin.get(path).ok();
        ObjectNode edited = original.deepCopy();
        edited.withArray("attributes").forEach(attribute -> {
            if (attributeName.equals(attribute.path("name").asText())) {
                ((ObjectNode) attribute).with("permissions").putArray("edit").add("admin").add("user");
            }
        });
        assertThat(admin.put(path, edited).status()).as("user profile of %s", realm).isEqualTo(200);
        return new UserProfileEdit(admin, path, original);
    }

    @Override
    public void close() {
        assertThat(admin.put(path, original).status()).as("user profile restored").isEqualTo(200);
    }
}
