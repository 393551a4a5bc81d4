package org.sciencegateway.keycloak.tokenexchange;

import java.util.HashMap;
import java.util.Map;
import org.keycloak.models.AuthenticatedClientSessionModel;
import org.keycloak.models.ClientModel;
import org.keycloak.models.RealmModel;
import org.keycloak.models.UserSessionModel;

/**
 * The requester's client session as an exchange sees it, without changing it: the given notes read as this exchange
 * needs them, every other read and every write goes to the real client session.
 * <ul>
 * <li>Exchange: {@code scope} reads as the granted scopes and {@code iss} as this request's issuer. The hub's own
 * client session keeps its login's notes (scope, level of authentication) and is not written, so an exchange costs
 * no session update (with persistent sessions: no row lock and merge in the database per exchange).</li>
 * <li>Refresh of an exchanged token: {@code scope} reads as the scopes that refresh is granted (Keycloak puts an ID
 * token into a refresh response when that note holds {@code openid}).</li>
 * </ul>
 */
final class NoteOverlayClientSession implements AuthenticatedClientSessionModel {

    private final AuthenticatedClientSessionModel delegate;
    private final Map<String, String> notes;

    NoteOverlayClientSession(AuthenticatedClientSessionModel delegate, Map<String, String> notes) {
        this.delegate = delegate;
        this.notes = Map.copyOf(notes);
    }

    @Override
    public String getNote(String name) {
        String note = notes.get(name);
        return note != null ? note : delegate.getNote(name);
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
        Map<String, String> all = new HashMap<>(delegate.getNotes());
        all.putAll(notes);
        return all;
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
