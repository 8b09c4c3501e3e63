// The alertgate console: a page per hash route, built with DOM calls only
// (text is never parsed as HTML). Every call goes to the console's JSON
// endpoints (/ui/api/rpc/<Method>), which call the gRPC API with the
// signed-in token: field names are the proto's.
'use strict';

const ROLE_RANK = {ROLE_READ: 1, ROLE_OPERATE: 2, ROLE_ADMIN: 3};
const session = {caller: null, csrf: ''};
let sources = [];      // The source plugins loaded by this alertgate.
let services = [];     // Services by name, with their open counts.
const issuedUrls = {}; // "<service>/<source>" -> URL issued in this tab.
let liveEvents = null; // The EventSource of the page shown, if any.

// ---- Small helpers -------------------------------------------------------

// h('a', {href: '#/x'}, 'text', child...): an element; attributes named on*
// are listeners; null children are skipped.
function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key.startsWith('on')) el.addEventListener(key.slice(2), value);
    else if (value === true) el.setAttribute(key, '');
    else el.setAttribute(key, value);
  }
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : String(child));
  }
  return el;
}

function can(role) {
  return session.caller &&
      ROLE_RANK[session.caller.role] >= ROLE_RANK['ROLE_' + role.toUpperCase()];
}

function when(timestamp) {
  if (!timestamp) return 'never';
  const date = new Date(timestamp);
  return isNaN(date) ? timestamp : date.toLocaleString();
}

function word(enumName, prefix) {
  return String(enumName || '').replace(prefix, '').toLowerCase().replace(/_/g, ' ');
}

function say(message) {
  const status = document.getElementById('status');
  status.textContent = message;
  clearTimeout(say.timer);
  say.timer = setTimeout(() => { status.textContent = ''; }, 6000);
}

// Links come from senders: only http(s) ones become links (never
// javascript: or data:).
function safeLink(href, text) {
  return /^https?:\/\//i.test(href || '')
    ? h('a', {href, rel: 'noopener noreferrer'}, text || href)
    : h('span', {}, text || href || '');
}

function serviceName(id) {
  const service = services.find((s) => s.id === id);
  return service ? service.name : id;
}

function show(...nodes) {
  const main = document.getElementById('main');
  main.replaceChildren(...nodes.flat(Infinity).filter((n) => n !== null && n !== undefined));
}

function stopLive() {
  if (liveEvents) liveEvents.close();
  liveEvents = null;
}

// ---- The API -------------------------------------------------------------

class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

async function request(method, path, body) {
  const headers = {'Content-Type': 'application/json'};
  if (session.csrf) headers['X-CSRF-Token'] = session.csrf;
  const response = await fetch(path, {
    method, headers, credentials: 'same-origin',
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const answer = await response.json().catch(() => ({}));
  if (!response.ok) {
    const error = answer.error || {};
    if (response.status === 401 && path !== '/ui/api/session') {
      session.caller = null;
      renderSignIn('Your session ended: sign in again.');
    }
    throw new ApiError(response.status, error.code || String(response.status),
                       error.message || response.statusText);
  }
  return answer;
}

const rpc = (method, body) => request('POST', '/ui/api/rpc/' + method, body || {});

async function loadServices() {
  const listed = await rpc('ListServices', {page_size: 1000});
  services = listed.services;
  return services;
}

// ---- Sign-in -------------------------------------------------------------

function renderSignIn(message) {
  stopLive();
  document.getElementById('nav').hidden = true;
  document.getElementById('sign-out').hidden = true;
  document.getElementById('who').textContent = '';
  const error = h('p', {class: 'error', id: 'sign-in-error', role: 'alert'}, message || '');
  const token = h('input', {id: 'token', type: 'password', autocomplete: 'off',
                            required: true, 'aria-describedby': 'token-hint'});
  const form = h('form', {class: 'card signin', onsubmit: async (event) => {
    event.preventDefault();
    error.textContent = '';
    try {
      const answer = await request('POST', '/ui/api/session', {token: token.value});
      signedIn(answer);
      sources = (await rpc('ListSourcePlugins')).plugins;
      if (!location.hash || location.hash === '#/') location.hash = '#/services';
      else route();
    } catch (e) {
      error.textContent = e.status === 401
          ? 'This token is unknown or revoked.'
          : e.message;
    }
  }},
  h('h1', {}, 'Sign in to alertgate'),
  h('div', {class: 'field'},
    h('label', {for: 'token'}, 'API token'), token,
    h('p', {class: 'hint', id: 'token-hint'},
      'A token with role read, operate or admin (alertctl tokens create). ' +
      'The first start writes an admin token to admin-token in the data folder.')),
  error,
  h('button', {class: 'primary', type: 'submit'}, 'Sign in'));
  show(form);
  token.focus();
}

function signedIn(answer) {
  session.caller = answer.caller;
  session.csrf = answer.csrf_token;
  document.getElementById('nav').hidden = false;
  document.getElementById('sign-out').hidden = false;
  document.getElementById('who').textContent =
      `${answer.caller.name} (${word(answer.caller.role, 'ROLE_')})`;
}

// ---- Services ------------------------------------------------------------

async function renderServices() {
  await loadServices();
  const rows = services.map((s) => h('tr', {},
    h('th', {scope: 'row'}, s.name),
    h('td', {}, s.description || ''),
    h('td', {class: 'num'}, s.triggered_count),
    h('td', {class: 'num'}, s.acknowledged_count),
    h('td', {}, h('div', {class: 'actions'},
      h('a', {href: `#/services/${s.id}/sources`}, 'Alert sources'),
      h('a', {href: `#/incidents?state=open&service=${s.id}`}, 'Incidents'),
      h('a', {href: `#/services/${s.id}/deliveries`}, 'Deliveries'),
      h('a', {href: `#/services/${s.id}/rules`}, 'Rules')))));
  show(h('h1', {}, 'Services'),
    h('div', {class: 'table-wrap'}, h('table', {},
      h('thead', {}, h('tr', {},
        h('th', {scope: 'col'}, 'Service'), h('th', {scope: 'col'}, 'Description'),
        h('th', {scope: 'col'}, 'Triggered'), h('th', {scope: 'col'}, 'Acknowledged'),
        h('th', {scope: 'col'}, 'Pages'))),
      h('tbody', {}, rows.length ? rows : h('tr', {}, h('td', {colspan: 5}, 'No services yet.'))))));
}

// ---- A service's alert sources -------------------------------------------

async function renderSources(serviceId) {
  if (!services.length) await loadServices();
  const [statuses, loaded] = await Promise.all([
    rpc('ListAlertSources', {service_id: serviceId}),
    rpc('ListSourcePlugins'),
  ]);
  sources = loaded.plugins;
  const byName = {};
  for (const status of statuses.sources) byName[status.source] = status;
  const cards = sources.map((source) =>
    sourceCard(serviceId, source, byName[source.name] || {source: source.name}));
  show(h('h1', {}, `${serviceName(serviceId)}: alert sources`),
    h('p', {class: 'muted'},
      'A source is receiving alerts when it opened an incident for this service ' +
      'in the last 30 days.'),
    cards.length ? cards : h('p', {}, 'No source plugins are loaded.'));
}

function sourceCard(serviceId, source, status) {
  const key = `${serviceId}/${source.name}`;
  const receiving = status.receiving_alerts === true;
  const headingId = `source-${source.name}`;
  const url = issuedUrls[key];
  const steps = source.setup_steps.map((step) =>
    h('li', {}, step.replace('{webhook_url}', url || 'the webhook URL above')));

  const webhook = h('div', {class: 'webhook'});
  if (url) {
    const field = h('input', {type: 'text', readonly: true, value: url,
                              id: `url-${source.name}`, 'aria-label': `${source.display_name} webhook URL`});
    webhook.append(h('label', {for: field.id}, 'Webhook URL'),
      h('div', {class: 'url'}, field,
        h('button', {type: 'button', onclick: () => copy(field)}, 'Copy')),
      h('p', {class: 'hint'}, 'Shown once: alertgate keeps only a hash of its key. ' +
        'Copy it now into ' + source.display_name + '.'));
  } else if (status.has_webhook_key) {
    webhook.append(h('p', {},
      `A webhook URL was issued ${when(status.webhook_key_issued_at)}. ` +
      'alertgate keeps only a hash of its key, so it cannot show it again ' +
      '(a first start wrote it to webhook-urls.txt in the data folder).'));
  } else {
    webhook.append(h('p', {}, 'No webhook URL yet.'));
  }
  const issueLabel = status.has_webhook_key ? 'Rotate webhook URL' : 'Issue webhook URL';
  const issue = h('button', {type: 'button', disabled: !can('admin'), onclick: async () => {
    if (status.has_webhook_key && !confirm(
        'Rotate the webhook URL? The current URL stops working at once.')) return;
    try {
      const issued = await rpc('IssueWebhookKey', {service_id: serviceId, source: source.name});
      issuedUrls[key] = issued.webhook_url ||
          `${issued.webhook_path} (prefix it with your front door's address)`;
      say('Webhook URL issued: copy it now.');
      await renderSources(serviceId);
      document.getElementById(`url-${source.name}`).focus();
    } catch (e) { say(e.message); }
  }}, issueLabel);
  const test = h('button', {type: 'button', disabled: !can('operate'), onclick: async () => {
    try {
      const sent = await rpc('SendTestAlert', {service_id: serviceId, source: source.name});
      say(`Test alert sent: incident ${sent.incident_id} opened and resolved.`);
      await renderSources(serviceId);
    } catch (e) { say(e.message); }
  }}, 'Send test alert');

  return h('section', {class: 'card source', 'aria-labelledby': headingId, 'data-source': source.name},
    h('h2', {id: headingId}, source.display_name,
      h('span', {class: 'muted'}, ` · ${source.name} ${source.version}`)),
    h('p', {class: 'receiving'},
      h('span', {class: receiving ? 'dot receiving' : 'dot', 'aria-hidden': 'true'}),
      h('span', {class: 'receiving-label'}, receiving ? 'Receiving alerts' : 'Not receiving alerts'),
      h('span', {class: 'muted'}, ` · last alert: ${when(status.last_alert_at)}`)),
    status.has_webhook_secret
      ? h('p', {class: 'muted'}, `Deliveries must be signed (${source.signature_header}).`)
      : null,
    webhook,
    h('div', {class: 'actions'}, issue, test,
      h('a', {class: 'button', href: `#/services/${serviceId}/deliveries?source=${source.name}`},
        'Deliveries')),
    can('admin') ? null : h('p', {class: 'hint'},
      'Issuing or rotating a webhook URL needs the admin role.'),
    can('operate') ? null : h('p', {class: 'hint'},
      'Sending a test alert needs the operate role.'),
    steps.length ? [h('h3', {}, `Set up ${source.display_name}`),
                    h('ol', {class: 'steps'}, steps)] : null);
}

async function copy(field) {
  field.select();
  try {
    await navigator.clipboard.writeText(field.value);
  } catch (e) {
    document.execCommand('copy');
  }
  say('Copied.');
}

// ---- Incidents -----------------------------------------------------------

const OPEN_STATES = ['INCIDENT_STATE_TRIGGERED', 'INCIDENT_STATE_ACKNOWLEDGED'];

function statesOf(filter) {
  if (filter === 'open' || !filter) return OPEN_STATES;
  if (filter === 'all') return [];
  return ['INCIDENT_STATE_' + filter.toUpperCase()];
}

function stateBadge(state) {
  const name = word(state, 'INCIDENT_STATE_');
  return h('span', {class: `state ${name}`}, name);
}

function incidentRow(incident) {
  return h('tr', {'data-incident': incident.id},
    h('td', {}, stateBadge(incident.state)),
    h('th', {scope: 'row'}, h('a', {href: `#/incidents/${incident.id}`}, incident.summary || incident.dedup_key)),
    h('td', {}, serviceName(incident.service_id)),
    h('td', {}, incident.source),
    h('td', {class: 'num'}, incident.alert_count),
    h('td', {}, when(incident.last_seen_at)));
}

async function renderIncidents(params) {
  if (!services.length) await loadServices();
  const filter = {state: params.get('state') || 'open', service: params.get('service') || '',
                  source: params.get('source') || ''};
  const states = statesOf(filter.state);
  const listed = await rpc('ListIncidents', {
    states, service_id: filter.service, source: filter.source, page_size: 100});

  const stateSelect = h('select', {id: 'filter-state', name: 'state'},
    ['open', 'triggered', 'acknowledged', 'resolved', 'all'].map((s) =>
      h('option', {value: s, selected: s === filter.state}, s)));
  const serviceSelect = h('select', {id: 'filter-service', name: 'service'},
    h('option', {value: ''}, 'every service'),
    services.map((s) => h('option', {value: s.id, selected: s.id === filter.service}, s.name)));
  const sourceInput = h('input', {id: 'filter-source', name: 'source', value: filter.source,
                                  placeholder: 'any source'});
  const form = h('form', {class: 'filters', onsubmit: (event) => {
    event.preventDefault();
    const next = new URLSearchParams({state: stateSelect.value});
    if (serviceSelect.value) next.set('service', serviceSelect.value);
    if (sourceInput.value.trim()) next.set('source', sourceInput.value.trim());
    location.hash = '#/incidents?' + next.toString();
  }},
  h('div', {class: 'field'}, h('label', {for: 'filter-state'}, 'State'), stateSelect),
  h('div', {class: 'field'}, h('label', {for: 'filter-service'}, 'Service'), serviceSelect),
  h('div', {class: 'field'}, h('label', {for: 'filter-source'}, 'Source'), sourceInput),
  h('button', {type: 'submit'}, 'Filter'));

  const tbody = h('tbody', {}, listed.incidents.map(incidentRow));
  const live = h('span', {class: 'live', id: 'live'}, 'connecting…');
  show(h('h1', {}, 'Incidents'), form, h('p', {}, live),
    h('div', {class: 'table-wrap'}, h('table', {id: 'incidents'},
      h('thead', {}, h('tr', {},
        h('th', {scope: 'col'}, 'State'), h('th', {scope: 'col'}, 'Summary'),
        h('th', {scope: 'col'}, 'Service'), h('th', {scope: 'col'}, 'Source'),
        h('th', {scope: 'col'}, 'Alerts'), h('th', {scope: 'col'}, 'Last seen'))),
      tbody)));

  const matches = (incident) =>
    (!states.length || states.includes(incident.state)) &&
    (!filter.service || incident.service_id === filter.service) &&
    (!filter.source || incident.source === filter.source);
  watch(listed.log_sequence, filter.service, live, async (event) => {
    if (filter.source && event.source !== filter.source) return;
    const got = await rpc('GetIncident', {id: event.incident_id, timeline_page_size: 1});
    const incident = got.incident;
    const old = tbody.querySelector(`tr[data-incident="${incident.id}"]`);
    if (!matches(incident)) {
      if (old) old.remove();
      return;
    }
    const row = incidentRow(incident);
    row.classList.add('new');
    if (old) old.replaceWith(row);
    else tbody.prepend(row);
  });
}

// Follows incident changes after `sequence` (of one service, if named);
// EventSource reconnects by itself and resumes from the last event id.
function watch(sequence, serviceId, indicator, onEvent) {
  stopLive();
  const query = new URLSearchParams({after: sequence || '0'});
  if (serviceId) query.set('service_id', serviceId);
  const events = new EventSource('/ui/api/events?' + query.toString());
  liveEvents = events;
  events.addEventListener('caught_up', () => {
    indicator.textContent = 'live';
    indicator.classList.add('on');
  });
  events.addEventListener('incident', (message) => {
    onEvent(JSON.parse(message.data)).catch((e) => say(e.message));
  });
  events.addEventListener('stream_error', (message) => {
    const error = JSON.parse(message.data).error || {};
    indicator.textContent = 'not live: ' + (error.message || 'stream ended');
    indicator.classList.remove('on');
  });
  events.onerror = () => {
    indicator.textContent = 'reconnecting…';
    indicator.classList.remove('on');
  };
}

async function renderIncident(id) {
  if (!services.length) await loadServices();
  const got = await rpc('GetIncident', {id, timeline_page_size: 200});
  const incident = got.incident;
  const act = (method, label) => h('button', {
    type: 'button', class: method === 'AcknowledgeIncident' ? 'primary' : '',
    disabled: !can('operate') || incident.state === 'INCIDENT_STATE_RESOLVED' ||
        (method === 'AcknowledgeIncident' && incident.state !== 'INCIDENT_STATE_TRIGGERED'),
    onclick: async () => {
      try {
        await rpc(method, {id});
        say(`${label}: done.`);
        await renderIncident(id);
      } catch (e) { say(e.message); }
    }}, label);
  const timeline = (got.timeline || []).map((entry) => h('tr', {},
    h('td', {}, when(entry.at)), h('td', {}, word(entry.kind, 'CHANGE_KIND_')),
    h('td', {}, stateBadge(entry.state)), h('td', {}, entry.actor), h('td', {}, entry.note)));
  const live = h('span', {class: 'live', id: 'live'}, 'connecting…');
  show(h('p', {}, h('a', {href: '#/incidents?state=open'}, '← Incidents')),
    h('h1', {}, incident.summary || incident.dedup_key),
    h('div', {class: 'card'},
      h('dl', {class: 'facts'},
        h('dt', {}, 'State'), h('dd', {id: 'incident-state'}, stateBadge(incident.state)),
        h('dt', {}, 'Service'), h('dd', {}, serviceName(incident.service_id)),
        h('dt', {}, 'Source'), h('dd', {}, incident.source),
        h('dt', {}, 'Dedup key'), h('dd', {}, incident.dedup_key),
        h('dt', {}, 'Severity'), h('dd', {}, word(incident.severity, 'SEVERITY_')),
        h('dt', {}, 'Alerts'), h('dd', {}, incident.alert_count),
        h('dt', {}, 'Opened'), h('dd', {}, when(incident.opened_at)),
        h('dt', {}, 'Last seen'), h('dd', {}, when(incident.last_seen_at)),
        incident.description ? [h('dt', {}, 'Description'), h('dd', {}, incident.description)] : null,
        (incident.links || []).length ? [h('dt', {}, 'Links'), h('dd', {},
          incident.links.map((link) => h('div', {}, safeLink(link.href, link.text))))] : null),
      h('div', {class: 'actions'}, act('AcknowledgeIncident', 'Acknowledge'),
        act('ResolveIncident', 'Resolve')),
      can('operate') ? null : h('p', {class: 'hint'}, 'Acknowledging and resolving need the operate role.'),
      h('p', {}, live)),
    h('h2', {}, 'Timeline'),
    h('div', {class: 'table-wrap'}, h('table', {},
      h('thead', {}, h('tr', {}, h('th', {scope: 'col'}, 'When'), h('th', {scope: 'col'}, 'Change'),
        h('th', {scope: 'col'}, 'State'), h('th', {scope: 'col'}, 'By'), h('th', {scope: 'col'}, 'Note'))),
      h('tbody', {}, timeline))));
  watch(got.log_sequence || 0, incident.service_id, live, async (event) => {
    if (event.incident_id === id && location.hash === `#/incidents/${id}`) await renderIncident(id);
  });
}

// ---- Deliveries ----------------------------------------------------------

function outcomeCell(delivery) {
  const name = word(delivery.outcome, 'DELIVERY_OUTCOME_');
  const refused = ['bad signature', 'bad payload', 'rate limited'].includes(name);
  return h('span', {class: refused ? 'outcome refused' : 'outcome'}, name);
}

async function renderDeliveries(serviceId, params, pageToken, rowsSoFar) {
  if (!services.length) await loadServices();
  const source = params.get('source') || '';
  const page = await rpc('ListDeliveries', {service_id: serviceId, source,
                                            page_size: 50, page_token: pageToken || ''});
  const rows = (rowsSoFar || []).concat(page.deliveries.map((d) => h('tr', {'data-delivery': d.id},
    h('td', {}, when(d.received_at)), h('td', {}, d.source), h('td', {}, d.event),
    h('td', {}, d.delivery_id), h('td', {class: 'num'}, d.http_status), h('td', {}, outcomeCell(d),
      d.replay_of ? h('div', {class: 'muted'}, 'replay') : null),
    h('td', {}, d.reason),
    h('td', {}, d.incident_ids.map((id) => h('div', {}, h('a', {href: `#/incidents/${id}`}, id)))),
    h('td', {}, d.body_kept ? h('button', {type: 'button', disabled: !can('admin'), onclick: async () => {
      try {
        const replayed = await rpc('ReplayDelivery', {id: d.id});
        say(`Replayed: ${word(replayed.delivery.outcome, 'DELIVERY_OUTCOME_')}` +
            (replayed.delivery.reason ? ` (${replayed.delivery.reason})` : ''));
        await renderDeliveries(serviceId, params);
      } catch (e) { say(e.message); }
    }}, 'Replay') : null))));
  const sourceSelect = h('select', {id: 'delivery-source', onchange: () => {
    location.hash = `#/services/${serviceId}/deliveries` +
        (sourceSelect.value ? `?source=${encodeURIComponent(sourceSelect.value)}` : '');
  }}, h('option', {value: ''}, 'every source'),
  (sources.length ? sources.map((s) => s.name) : source ? [source] : []).map((name) =>
    h('option', {value: name, selected: name === source}, name)));
  const more = page.next_page_token ? h('button', {type: 'button', onclick: () =>
    renderDeliveries(serviceId, params, page.next_page_token, rows)}, 'Older deliveries') : null;
  show(h('h1', {}, `${serviceName(serviceId)}: deliveries`),
    h('p', {class: 'muted'},
      'Every webhook delivery the front door answered for this service, newest first. ' +
      'Refused ones keep their request for 7 days (64 MiB per service) so that an admin ' +
      'can replay them once the secret or plugin is fixed.'),
    h('div', {class: 'filters'}, h('div', {class: 'field'},
      h('label', {for: 'delivery-source'}, 'Source'), sourceSelect),
      h('button', {type: 'button', onclick: () => renderDeliveries(serviceId, params)}, 'Refresh')),
    h('div', {class: 'table-wrap'}, h('table', {id: 'deliveries'},
      h('thead', {}, h('tr', {}, ['Received', 'Source', 'Event', 'Delivery id', 'Status',
        'Outcome', 'Reason', 'Incidents', ''].map((t) => h('th', {scope: 'col'}, t)))),
      h('tbody', {}, rows.length ? rows : h('tr', {}, h('td', {colspan: 9}, 'No deliveries yet.'))))),
    can('admin') ? null : h('p', {class: 'hint'}, 'Replaying a delivery needs the admin role.'),
    more);
}

// ---- A service's rules ---------------------------------------------------

function conditionText(c) {
  const field = c.field === 'RULE_FIELD_TAG' ? `tag ${c.tag}` : word(c.field, 'RULE_FIELD_');
  return `${field}${c.negate ? ' not' : ''} ${word(c.op, 'MATCH_OPERATOR_')} "${c.value}"`;
}

function actionsText(rule) {
  const a = rule.then || {};
  const parts = [];
  for (const [k, v] of Object.entries(a.set_tags || {})) parts.push(`set ${k}=${v}`);
  for (const [k, v] of Object.entries(a.add_tags || {})) parts.push(`add ${k}=${v}`);
  if (a.set_severity && a.set_severity !== 'SEVERITY_UNSPECIFIED') {
    parts.push(`severity ${word(a.set_severity, 'SEVERITY_')}`);
  }
  if (a.route_to_service_id) parts.push(`route to ${serviceName(a.route_to_service_id)}`);
  if (a.suppress) parts.push('suppress');
  if (a.dedup_window_minutes) parts.push(`dedup window ${a.dedup_window_minutes} min`);
  if (rule.stop) parts.push('stop');
  return parts.length ? parts.join(', ') : 'nothing';
}

// The service's outbound webhooks: who is told of what, and what was sent.
async function webhooksSection(serviceId, saved) {
  const EVENTS = ['triggered', 'acknowledged', 'resolved', 'suppressed'];
  const eventWord = (e) => word(e, 'WEBHOOK_EVENT_');
  const subscriptions = saved.webhooks.map((w) => h('li', {'data-webhook': w.name},
    h('strong', {}, w.name), ` → ${w.url} `,
    h('span', {class: 'muted'}, `(${w.events.map(eventWord).join(', ')}; ` +
      `${w.format === 'WEBHOOK_FORMAT_SLACK' ? 'Slack text' : 'JSON'}, ` +
      `${w.has_secret ? 'signed' : 'unsigned'})`), ' ',
    h('button', {type: 'button', disabled: !can('admin'), onclick: async () => {
      try {
        await rpc('RemoveWebhook', {service_id: serviceId, name: w.name,
                                    expected_revision: saved.revision});
        say(`Webhook "${w.name}" removed.`);
        await renderRules(serviceId);
      } catch (e) { say(e.message); }
    }}, 'Remove')));

  const field = (id, label, input) => h('div', {class: 'field'}, h('label', {for: id}, label), input);
  const secretShown = h('p', {id: 'webhook-secret', 'aria-live': 'polite'});
  const add = h('form', {id: 'webhook-add', onsubmit: async (event) => {
    event.preventDefault();
    const value = (id) => document.getElementById(id).value.trim();
    const events = EVENTS.filter((e) => document.getElementById(`webhook-on-${e}`).checked)
      .map((e) => `WEBHOOK_EVENT_${e.toUpperCase()}`);
    try {
      const answer = await rpc('PutWebhook', {service_id: serviceId, expected_revision: saved.revision,
        webhook: {name: value('webhook-name'), url: value('webhook-url'), events,
                  format: value('webhook-format')}});
      const put = answer.webhooks.find((w) => w.name === value('webhook-name'));
      await renderRules(serviceId);
      say(`Webhook saved: revision ${answer.revision}.`);
      document.getElementById('webhook-secret').textContent =
        `Signing secret of "${put.name}" (shown to admins only, now): ${put.secret}`;
    } catch (e) { say(e.message); }
  }},
  h('div', {class: 'filters'},
    field('webhook-name', 'Name', h('input', {id: 'webhook-name', type: 'text', placeholder: 'slack'})),
    field('webhook-url', 'URL', h('input', {id: 'webhook-url', type: 'url',
      placeholder: 'https://hooks.slack.com/services/…'})),
    field('webhook-format', 'Format', h('select', {id: 'webhook-format'},
      h('option', {value: 'WEBHOOK_FORMAT_JSON'}, 'JSON'),
      h('option', {value: 'WEBHOOK_FORMAT_SLACK'}, 'Slack text')))),
  h('fieldset', {class: 'checks'}, h('legend', {}, 'Tell of'), EVENTS.map((e) => h('label', {},
    h('input', {type: 'checkbox', id: `webhook-on-${e}`, checked: e === 'triggered'}), e))),
  h('button', {type: 'submit', disabled: !can('admin')}, 'Save webhook'));

  const page = await rpc('ListWebhookMessages', {service_id: serviceId, page_size: 20});
  const rows = page.messages.map((m) => {
    const state = word(m.state, 'WEBHOOK_MESSAGE_STATE_');
    return h('tr', {'data-message': m.id},
      h('td', {}, when(m.created_at)), h('td', {}, m.webhook), h('td', {}, eventWord(m.event)),
      h('td', {}, h('a', {href: `#/incidents/${m.incident_id}`}, m.incident_id)),
      h('td', {}, h('span', {class: state === 'dead lettered' ? 'outcome refused' : 'outcome'}, state)),
      h('td', {class: 'num'}, m.attempts), h('td', {}, m.last_error),
      h('td', {}, state === 'pending' ? null : h('button', {type: 'button', disabled: !can('operate'),
        onclick: async () => {
          try {
            await rpc('RedeliverWebhookMessage', {id: m.id});
            say('Due again now.');
            await renderRules(serviceId);
          } catch (e) { say(e.message); }
        }}, 'Redeliver')));
  });
  return [
    h('h2', {}, 'Outbound webhooks'),
    h('p', {class: 'muted'}, 'Incident events sent as they are committed, signed, retried with ' +
      'backoff for a day, then given up (docs/rules.md).'),
    h('ul', {id: 'webhooks'}, subscriptions.length ? subscriptions : h('li', {}, 'None.')),
    add, secretShown,
    can('admin') ? null : h('p', {class: 'hint'}, 'Adding or removing webhooks needs the admin role.'),
    h('h3', {}, 'Recent messages'),
    h('div', {class: 'table-wrap'}, h('table', {id: 'webhook-messages'},
      h('thead', {}, h('tr', {}, ['Created', 'Webhook', 'Event', 'Incident', 'State', 'Attempts',
        'Last error', ''].map((t) => h('th', {scope: 'col'}, t)))),
      h('tbody', {}, rows.length ? rows : h('tr', {}, h('td', {colspan: 8}, 'No messages yet.'))))),
  ];
}

async function renderRules(serviceId) {
  if (!services.length) await loadServices();
  const saved = await rpc('GetRules', {service_id: serviceId});
  const list = saved.rules.map((rule) => h('li', {'data-rule': rule.name},
    h('strong', {}, rule.name),
    h('div', {}, 'When: ', rule.when.length ? rule.when.map(conditionText).join(', ') : 'every alert'),
    h('div', {}, 'Then: ', actionsText(rule))));
  const windows = saved.maintenance_windows.map((w) => h('li', {},
    `${w.name}: ${w.starts} ${w.time_zone} for ${w.duration_minutes} min` +
    (w.repeat !== 'REPEAT_UNSPECIFIED' ? `, ${word(w.repeat, 'REPEAT_')}` : '') +
    (w.repeat_until ? `, until ${w.repeat_until}` : '')));
  const webhooks = await webhooksSection(serviceId, saved);
  const timers = saved.auto_resolve.map((a) => h('li', {},
    `${a.source || 'every source'}${a.dedup_key_prefix ? `, dedup keys ${a.dedup_key_prefix}*` : ''}: ` +
    `resolved after ${a.quiet_minutes} min without an alert`));

  const editor = h('textarea', {id: 'rules-json', rows: 14, spellcheck: 'false',
    readonly: !can('admin')}, JSON.stringify({rules: saved.rules}, null, 2));
  const save = h('button', {type: 'button', disabled: !can('admin'), onclick: async () => {
    let parsed;
    try { parsed = JSON.parse(editor.value); } catch (e) {
      return say(`Not JSON: ${e.message}`);
    }
    try {
      const answer = await rpc('SetRules', {service_id: serviceId, rules: parsed.rules || [],
                                            expected_revision: saved.revision});
      say(`Saved: revision ${answer.revision}.`);
      await renderRules(serviceId);
    } catch (e) { say(e.message); }
  }}, 'Save rules');

  const tryField = (id, label, hint) => h('div', {class: 'field'},
    h('label', {for: id}, label), h('input', {id, type: 'text', placeholder: hint}));
  const outcome = h('div', {id: 'rules-trial', class: 'trial', 'aria-live': 'polite'});
  const tryIt = h('form', {id: 'rules-try', onsubmit: async (event) => {
    event.preventDefault();
    const value = (id) => document.getElementById(id).value.trim();
    const tags = {};
    for (const pair of value('try-tags').split(',').filter(Boolean)) {
      const [k, ...v] = pair.split('=');
      tags[k.trim()] = v.join('=').trim();
    }
    try {
      const trial = await rpc('TestRules', {service_id: serviceId, alert: {
        source: value('try-source'), event: value('try-event'), action: 'ACTION_TRIGGER',
        dedup_key: 'console-try', summary: value('try-summary') || 'console try', tags}});
      outcome.replaceChildren(...[
        h('div', {}, 'Matched: ', trial.matched.length ? trial.matched.join(', ') : 'no rule'),
        trial.suppressed_by ? h('div', {}, `Suppressed by rule "${trial.suppressed_by}"`) : null,
        trial.maintenance_window ? h('div', {}, `Suppressed: maintenance window "${trial.maintenance_window}" is open`) : null,
        trial.routed_by ? h('div', {}, `Routed to ${serviceName(trial.alert.service_id)} by "${trial.routed_by}"`) : null,
        h('div', {}, `Severity ${word(trial.alert.severity, 'SEVERITY_') || 'unspecified'}; tags `,
          Object.entries(trial.alert.tags).map(([k, v]) => `${k}=${v}`).join(', ') || 'none'),
      ].filter(Boolean));
    } catch (e) { say(e.message); }
  }},
  h('div', {class: 'filters'},
    tryField('try-source', 'Source', 'bitbucket'), tryField('try-event', 'Event', 'repo:push'),
    tryField('try-summary', 'Summary', 'Renovate updated lodash'),
    tryField('try-tags', 'Tags', 'branch=renovate/lodash, repository=acme/web')),
  h('button', {type: 'submit'}, 'Try an alert'));

  show(h('h1', {}, `${serviceName(serviceId)}: rules`),
    h('p', {class: 'muted'},
      `Revision ${saved.revision}` + (saved.updated_by ? `, saved by ${saved.updated_by} ${when(saved.updated_at)}` : '') +
      '. Rules run in order on every alert the service receives (docs/rules.md).'),
    h('ol', {id: 'rules-list', class: 'rules'}, list.length ? list : h('li', {}, 'No rules.')),
    h('h2', {}, 'Maintenance windows'),
    h('ul', {}, windows.length ? windows : h('li', {}, 'None.')),
    h('h2', {}, 'Auto-resolve'),
    h('ul', {}, timers.length ? timers : h('li', {}, 'Off.')),
    ...webhooks,
    h('h2', {}, 'Try an alert'),
    h('p', {class: 'muted'}, 'What the saved rules would do to an alert, changing nothing.'),
    tryIt, outcome,
    h('h2', {}, 'Edit'),
    h('p', {class: 'muted'}, 'The rules as the API\'s JSON (rules.proto); saving replaces them all.'),
    h('label', {for: 'rules-json'}, 'Rules (JSON)'), editor,
    h('div', {class: 'actions'}, save),
    can('admin') ? null : h('p', {class: 'hint'}, 'Saving rules needs the admin role.'));
}

// ---- Routing -------------------------------------------------------------

async function route() {
  if (!session.caller) return renderSignIn();
  stopLive();
  const hash = location.hash.replace(/^#/, '') || '/services';
  const [path, query] = hash.split('?');
  const params = new URLSearchParams(query || '');
  const parts = path.split('/').filter(Boolean);
  try {
    if (parts[0] === 'incidents' && parts[1]) await renderIncident(decodeURIComponent(parts[1]));
    else if (parts[0] === 'incidents') await renderIncidents(params);
    else if (parts[0] === 'services' && parts[2] === 'sources') await renderSources(parts[1]);
    else if (parts[0] === 'services' && parts[2] === 'deliveries') await renderDeliveries(parts[1], params);
    else if (parts[0] === 'services' && parts[2] === 'rules') await renderRules(parts[1]);
    else await renderServices();
    document.getElementById('main').focus();
  } catch (e) {
    if (e.status !== 401) show(h('h1', {}, 'Something went wrong'), h('p', {class: 'error'}, e.message));
  }
}

async function start() {
  document.getElementById('sign-out').addEventListener('click', async () => {
    try { await request('DELETE', '/ui/api/session'); } catch (e) { /* Ended already. */ }
    session.caller = null;
    session.csrf = '';
    renderSignIn('Signed out.');
  });
  window.addEventListener('hashchange', route);
  try {
    signedIn(await request('GET', '/ui/api/session'));
    sources = (await rpc('ListSourcePlugins')).plugins;
  } catch (e) {
    return renderSignIn();
  }
  route();
}

start();
