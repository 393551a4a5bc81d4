package org.sciencegateway.keycloak.tokenexchange;

import java.util.Set;
import java.util.stream.Stream;
import org.keycloak.models.AuthenticatedClientSessionModel;
import org.keycloak.models.ClientScopeModel;
import org.keycloak.models.ClientSessionContext;
import org.keycloak.models.ProtocolMapperModel;
import org.keycloak.models.RoleModel;
import org.keycloak.rar.AuthorizationRequestContext;

/**
 * A client session context whose scope string is exactly what the audience policy granted. Keycloak derives the
 * token's {@code scope} claim, the response's {@code scope} and the refresh token's scope from this string; the
 * requester's other default scopes must not appear in any of them.
 */
final class GrantedScopeClientSessionContext implements ClientSessionContext {

    private final ClientSessionContext delegate;
    private final String grantedScope;
    private final AuthenticatedClientSessionModel clientSession;

    GrantedScopeClientSessionContext(ClientSessionContext delegate, String grantedScope) {
        this(delegate, grantedScope, delegate.getClientSession());
    }

    /** With the client session the token code should see (a {@link NoteOverlayClientSession}). */
    GrantedScopeClientSessionContext(ClientSessionContext delegate, String grantedScope,
                                     AuthenticatedClientSessionModel clientSession) {
        this.delegate = delegate;
        this.grantedScope = grantedScope;
        this.clientSession = clientSession;
    }

    @Override
    public AuthenticatedClientSessionModel getClientSession() {
        return clientSession;
    }

    @Override
    public Set<String> getClientScopeIds() {
        return delegate.getClientScopeIds();
    }

    @Override
    public Stream<ClientScopeModel> getClientScopesStream() {
        return delegate.getClientScopesStream();
    }

    @Override
    public boolean isOfflineTokenRequested() {
        return false;
    }

    @Override
    public Stream<RoleModel> getRolesStream() {
        return delegate.getRolesStream();
    }

    @Override
    public Stream<ProtocolMapperModel> getProtocolMappersStream() {
        return delegate.getProtocolMappersStream();
    }

    @Override
    public String getScopeString() {
        return grantedScope;
    }

    @Override
    public String getScopeString(boolean ignoreIncludeInTokenScope) {
        return grantedScope;
    }

    @Override
    public void setAttribute(String name, Object value) {
        delegate.setAttribute(name, value);
    }

    @Override
    public <T> T getAttribute(String name, Class<T> clazz) {
        return delegate.getAttribute(name, clazz);
    }

    @Override
    public AuthorizationRequestContext getAuthorizationRequestContext() {
        return delegate.getAuthorizationRequestContext();
    }
}
