package org.sciencegateway.keycloak.tokenexchange;

import java.util.Map;
import org.keycloak.OAuth2Constants;
import org.keycloak.models.AuthenticatedClientSessionModel;
import org.keycloak.models.ClientModel;
import org.keycloak.models.RealmModel;
import org.keycloak.models.UserSessionModel;

/**
 * The requester's client session as a refresh of an exchanged token sees it: the {@code scope} note reads as the
 * scopes that refresh is granted (Keycloak puts an ID token into a refresh response when that note holds
 * {@code openid}, and the note otherwise carries the hub's own login scopes). Everything else, reads and writes,
 * goes to the real client session.
 */
final class RefreshScopeNoteClientSession implements AuthenticatedClientSessionModel {

    private final AuthenticatedClientSessionModel delegate;
    private final String scopeNote;

    RefreshScopeNoteClientSession(AuthenticatedClientSessionModel delegate, String scopeNote) {
        this.delegate = delegate;
        this.scopeNote = scopeNote;
    }

    @Override
    public String getNote(String name) {
        return OAuth2Constants.SCOPE.equals(name) ? scopeNote : delegate.getNote(name);
    }

    @Override
    public String getId() {
        return delegate.getId();
    }

    @Override
    public int getStarted() {
        return delegate.getStarted();
    }

    @Override
    public int getUserSessionStarted() {
        return delegate.getUserSessionStarted();
    }

    @Override
    public boolean isUserSessionRememberMe() {
        return delegate.isUserSessionRememberMe();
    }

    @Override
    public int getTimestamp() {
        return delegate.getTimestamp();
    }

    @Override
    public void setTimestamp(int timestamp) {
        delegate.setTimestamp(timestamp);
    }

    @Override
    public void detachFromUserSession() {
        delegate.detachFromUserSession();
    }

    @Override
    public UserSessionModel getUserSession() {
        return delegate.getUserSession();
    }

    @Override
    public String getCurrentRefreshToken() {
        return delegate.getCurrentRefreshToken();
    }

    @Override
    public void setCurrentRefreshToken(String currentRefreshToken) {
        delegate.setCurrentRefreshToken(currentRefreshToken);
    }

    @Override
    public int getCurrentRefreshTokenUseCount() {
        return delegate.getCurrentRefreshTokenUseCount();
    }

    @Override
    public void setCurrentRefreshTokenUseCount(int currentRefreshTokenUseCount) {
        delegate.setCurrentRefreshTokenUseCount(currentRefreshTokenUseCount);
    }

    @Override
    public String getRefreshToken(String reuseId) {
        return delegate.getRefreshToken(reuseId);
    }

    @Override
    public void setRefreshToken(String reuseId, String refreshTokenId) {
        delegate.setRefreshToken(reuseId, refreshTokenId);
    }

    @Override
    public int getRefreshTokenUseCount(String reuseId) {
        return delegate.getRefreshTokenUseCount(reuseId);
    }

    @Override
    public void setRefreshTokenUseCount(String reuseId, int count) {
        delegate.setRefreshTokenUseCount(reuseId, count);
    }

    @Override
    public int getRefreshTokenLastRefresh(String reuseId) {
        return delegate.getRefreshTokenLastRefresh(reuseId);
    }

    @Override
    public void setRefreshTokenLastRefresh(String reuseId, int lastRefresh) {
        delegate.setRefreshTokenLastRefresh(reuseId, lastRefresh);
    }

    @Override
    public void setNote(String name, String value) {
        delegate.setNote(name, value);
    }

    @Override
    public void removeNote(String name) {
        delegate.removeNote(name);
    }

    @Override
    public Map<String, String> getNotes() {
        return delegate.getNotes();
    }

    @Override
    public void restartClientSession() {
        delegate.restartClientSession();
    }

    @Override
    public String getRedirectUri() {
        return delegate.getRedirectUri();
    }

    @Override
    public void setRedirectUri(String uri) {
        delegate.setRedirectUri(uri);
    }

    @Override
    public RealmModel getRealm() {
        return delegate.getRealm();
    }

    @Override
    public ClientModel getClient() {
        return delegate.getClient();
    }

    @Override
    public String getAction() {
        return delegate.getAction();
    }

    @Override
    public void setAction(String action) {
        delegate.setAction(action);
    }

    @Override
    public String getProtocol() {
        return delegate.getProtocol();
    }

    @Override
    public void setProtocol(String method) {
        delegate.setProtocol(method);
    }
}
