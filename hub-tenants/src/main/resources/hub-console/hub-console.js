/*
 * The hub console: signs the user in through the realm's public client "hub-console" (authorization code with PKCE,
 * keycloak-js) and shows the hubs the admin REST endpoint /admin/realms/{realm}/hub-tenants lets them manage. It
 * decides nothing: every save is judged by the server, whose refusal is shown as it comes. All text from the server
 * is written as text (never as HTML): hub names are chosen by their owners.
 */
(function () {
  'use strict';

  var match = window.location.pathname.match(/^(.*)\/realms\/([^/]+)\/hub-console\//);
  var base = window.location.origin + match[1];
  var realm = decodeURIComponent(match[2]);
  var api = base + '/admin/realms/' + encodeURIComponent(realm) + '/hub-tenants';
  var keycloak = new Keycloak({ url: base, realm: realm, clientId: 'hub-console' });
  var main = document.getElementById('hubs');

  function el(tag, attributes, children) {
    var node = document.createElement(tag);
    Object.keys(attributes || {}).forEach(function (name) {
      if (name === 'text') {
        node.textContent = attributes.text;
      } else {
        node.setAttribute(name, attributes[name]);
      }
    });
    (children || []).forEach(function (child) { if (child) { node.appendChild(child); } });
    return node;
  }

  function call(method, path, body) {
    return keycloak.updateToken(30).then(function () {
      var options = { method: method, headers: { Authorization: 'Bearer ' + keycloak.token, Accept: 'application/json' } };
      if (body !== undefined) {
        options.headers['Content-Type'] = 'application/json';
        options.body = JSON.stringify(body);
      }
      return fetch(api + path, options);
    }).then(function (response) {
      return response.text().then(function (text) {
        var data = null;
        try { data = text ? JSON.parse(text) : null; } catch (e) { data = null; }
        if (!response.ok) {
          var reason = data && (data.error_description || data.errorMessage || data.error);
          throw new Error(reason || ('HTTP ' + response.status));
        }
        return data;
      });
    });
  }

  function alertBox(form) {
    var box = form.querySelector('.alert');
    if (!box) {
      box = el('div', { 'class': 'alert', role: 'alert', 'data-testid': 'alert' });
      form.appendChild(box);
    }
    return box;
  }

  function show(form, kind, message) {
    var box = alertBox(form);
    box.className = 'alert ' + kind;
    box.setAttribute('data-kind', kind);
    box.textContent = message;
  }

  function pretty(rules) {
    if (!rules) { return ''; }
    try { return JSON.stringify(JSON.parse(rules), null, 2); } catch (e) { return rules; }
  }

  function rulesForm(hub) {
    var area = el('textarea', { id: 'rules-' + hub.clientId, 'data-testid': 'rules', spellcheck: 'false' });
    area.value = pretty(hub.institutionRules);
    var form = el('form', { 'data-testid': 'rules-form' }, [
      el('label', { 'for': 'rules-' + hub.clientId, text: 'Institution rules (JSON)' }),
      el('p', { 'class': 'help', text: 'Which identity providers and institutions may log in to this hub. Deny wins; '
          + 'one allow entry must match. Entry keys: idp, idpPattern, institution, institutionPattern, '
          + 'registrationAuthority, emailDomain, organization, name. The rules may only narrow the realm baseline.' }),
      area,
      hub.baseline ? el('details', {}, [el('summary', { text: 'The realm baseline (set by the realm admins)' }),
        el('pre', { 'data-testid': 'baseline', text: pretty(hub.baseline) })]) : null,
      el('button', { type: 'submit', 'class': 'save', 'data-testid': 'save-rules', text: 'Save institution rules' })
    ]);
    form.addEventListener('submit', function (event) {
      event.preventDefault();
      call('PUT', '/hubs/' + encodeURIComponent(hub.id) + '/institution-rules', { rules: area.value })
        .then(function (saved) {
          area.value = pretty(saved.institutionRules);
          show(form, 'success', 'Institution rules saved.');
        }, function (error) { show(form, 'danger', 'Not saved: ' + error.message); });
    });
    return form;
  }

  function groupsForm(hub) {
    var input = el('input', { type: 'text', id: 'groups-' + hub.clientId, 'data-testid': 'groups' });
    input.value = (hub.groupsSubtree || hub.templateGroupsSubtree || []).join(', ');
    var form = el('form', { 'data-testid': 'groups-form' }, [
      el('label', { 'for': 'groups-' + hub.clientId, text: 'Groups subtree' }),
      el('p', { 'class': 'help', text: 'The group paths (comma-separated) whose subtrees this hub\'s groups claim '
          + 'carries; within ' + (hub.templateGroupsSubtree.length ? hub.templateGroupsSubtree.join(', ')
          : 'the whole realm') + '.' + (hub.groupsSubtree ? '' : ' The hub has no groups claim yet: saving adds it.') }),
      input,
      el('button', { type: 'submit', 'class': 'save', 'data-testid': 'save-groups', text: 'Save groups subtree' })
    ]);
    form.addEventListener('submit', function (event) {
      event.preventDefault();
      var roots = input.value.split(',').map(function (root) { return root.trim(); })
        .filter(function (root) { return root.length > 0; });
      call('PUT', '/hubs/' + encodeURIComponent(hub.id) + '/groups-subtree', { roots: roots })
        .then(function (saved) {
          input.value = (saved.groupsSubtree || []).join(', ');
          show(form, 'success', 'Groups subtree saved.');
        }, function (error) { show(form, 'danger', 'Not saved: ' + error.message); });
    });
    return form;
  }

  function hubSection(hub) {
    var consoleLink = base + '/admin/' + encodeURIComponent(realm) + '/console/#/' + encodeURIComponent(realm)
        + '/clients/' + encodeURIComponent(hub.id) + '/settings';
    return el('section', { 'class': 'hub', 'data-testid': 'hub-' + hub.clientId }, [
      el('h2', {}, [document.createTextNode(hub.clientId + (hub.name ? ' — ' + hub.name : '')),
        el('span', { 'class': 'state ' + hub.state, 'data-testid': 'state', text: hub.state })]),
      el('a', { href: consoleLink, text: 'Settings, redirect URIs and secret in the admin console' }),
      rulesForm(hub),
      groupsForm(hub)
    ]);
  }

  function render(hubs) {
    main.textContent = '';
    if (!hubs.length) {
      main.appendChild(el('p', { 'data-testid': 'no-hubs', text: 'You manage no hub in realm ' + realm + '. A hub '
          + 'you requested appears here once a realm admin has approved it.' }));
      return;
    }
    hubs.forEach(function (hub) { main.appendChild(hubSection(hub)); });
  }

  document.getElementById('realm').textContent = '— ' + realm;
  document.getElementById('admin-console').href = base + '/admin/' + encodeURIComponent(realm) + '/console/';
  keycloak.init({ onLoad: 'login-required', pkceMethod: 'S256', checkLoginIframe: false })
    .then(function () {
      document.getElementById('user').textContent = keycloak.tokenParsed.preferred_username || '';
      var signOut = document.getElementById('sign-out');
      signOut.hidden = false;
      signOut.addEventListener('click', function () {
        keycloak.logout({ redirectUri: window.location.origin + window.location.pathname });
      });
      return call('GET', '/hubs');
    })
    .then(render, function (error) {
      main.textContent = '';
      main.appendChild(el('p', { 'class': 'alert danger', role: 'alert', text: 'The hub console could not load: '
          + (error && error.message ? error.message : error) }));
    });
}());
