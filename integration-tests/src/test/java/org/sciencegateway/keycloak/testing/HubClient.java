package org.sciencegateway.keycloak.testing;

/** An OIDC client of realm {@code vre} as a hub uses it: id, secret and registered redirect URI (lab values). */
public record HubClient(String realm, String clientId, String clientSecret, String redirectUri) {

    public static final HubClient JUPYTERHUB = new HubClient("vre", "jupyterhub", "jupyterhub-lab-secret",
            "http://localhost:8000/hub/oauth_callback");
    public static final HubClient OTHER_GATEWAY = new HubClient("vre", "other-gateway", "other-gateway-lab-secret",
            "https://localhost:8001/hub/oauth_callback");
}
