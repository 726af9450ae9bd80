'use strict';

// The queue dashboard. It signs in with the service's normal login and keeps the tokens in this closure only
// (no localStorage, no cookies: a reload signs out), then reads the admin API every few seconds and updates the
// page in place. Every value from the API is written with textContent, never parsed as HTML: job payloads and
// errors carry text that users and remote servers chose.
(() => {
  const REFRESH_MS = 5000;
  const PAGE_SIZE = 20;
  const STATES = ['waiting', 'active', 'completed', 'failed', 'dead'];
  const DELETE_AGES = [[60, 'older than 1 hour'], [1440, 'older than 1 day'], [10080, 'older than 7 days'], [0, 'all of them']];

  let session = null;
  // Bumped at each sign-in and sign-out: an answer that arrives after either belongs to a session that is gone.
  let generation = 0;
  let allowed = true;
  let renewing = null;
  let timer = null;
  let refreshing = false;
  let refreshAgain = false;
  let lastUpdate = null;
  let countLimit = Infinity;
  // cursors: where each page visited so far starts (null: the newest job), so Previous can go back; nextCursor: the API's.
  const view = { queue: null, state: 'waiting', cursors: [null], nextCursor: null, job: null };
  const currentCursor = () => view.cursors[view.cursors.length - 1];
  const cards = new Map();

  const $ = (id) => document.getElementById(id);

  class Unreachable extends Error {}
  class SignedOut extends Error {}
  class Problem extends Error {
    constructor(status, body) {
      super((body && (body.detail || body.title)) || `The service answered ${status}.`);
      this.status = status;
    }
  }

  function el(tag, props = {}, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(props)) {
      if (key === 'class') node.className = value;
      else if (key === 'text') node.textContent = value;
      else if (key.startsWith('data-') || key.startsWith('aria-') || key === 'for') node.setAttribute(key, value);
      else node[key] = value;
    }
    node.append(...children);
    return node;
  }

  const hidden = (text) => el('span', { class: 'visually-hidden', text });

  // ---- HTTP ----

  async function request(method, path, body, token) {
    const headers = { Accept: 'application/json' };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    if (token) headers.Authorization = `Bearer ${token}`;
    let response;
    try {
      response = await fetch(path, {
        method, headers, body: body === undefined ? undefined : JSON.stringify(body), cache: 'no-store', credentials: 'omit',
      });
    } catch {
      throw new Unreachable();
    }
    // A proxy or load balancer in front answers these when the service itself is down.
    if (response.status === 502 || response.status === 503 || response.status === 504) throw new Unreachable();
    let json = null;
    if ((response.headers.get('Content-Type') || '').includes('json')) {
      try { json = await response.json(); } catch { json = null; }
    }
    return { status: response.status, ok: response.ok, json };
  }

  // Access tokens live 15 minutes; a dashboard left open renews its session with the refresh token once per expiry.
  function renewSession() {
    if (!renewing) {
      const current = session;
      renewing = request('POST', '/api/auth/refresh', { refreshToken: current.refreshToken })
        .then((r) => {
          if (session !== current) return false;
          if (r.ok) session = { accessToken: r.json.accessToken, refreshToken: r.json.refreshToken };
          return r.ok;
        })
        .finally(() => { renewing = null; });
    }
    return renewing;
  }

  async function api(method, path) {
    if (!session) throw new SignedOut();
    let r = await request(method, path, undefined, session.accessToken);
    if (r.status === 401 && session && await renewSession()) r = await request(method, path, undefined, session.accessToken);
    if (r.status === 401) {
      signOut('Your session has ended: sign in again.');
      throw new SignedOut();
    }
    if (r.status === 403) {
      showNotAllowed();
      throw new SignedOut();
    }
    if (!r.ok) throw new Problem(r.status, r.json);
    return r.json;
  }

  const q = encodeURIComponent;
  const queuePath = (queue) => `/api/admin/queues/${q(queue)}`;

  // ---- Sign-in and sign-out ----

  async function signIn(event) {
    event.preventDefault();
    const email = $('email').value.trim();
    const password = $('password').value;
    const problem = $('sign-in-problem');
    if (!email || !password) {
      problem.textContent = 'Enter your email and password.';
      return;
    }
    problem.textContent = '';
    let r;
    try {
      r = await request('POST', '/api/auth/login', { email, password });
    } catch {
      problem.textContent = 'Cannot reach the service. Try again in a moment.';
      return;
    }
    if (!r.ok) {
      problem.textContent = r.status === 401 ? 'The email or the password is wrong.' : new Problem(r.status, r.json).message;
      return;
    }
    $('password').value = '';
    session = { accessToken: r.json.accessToken, refreshToken: r.json.refreshToken };
    generation += 1;
    allowed = true;
    $('sign-in').hidden = true;
    $('sign-out').hidden = false;
    setConnection('Signing in…');
    refresh();
  }

  function signOut(reason) {
    const ended = session;
    session = null;
    generation += 1;
    clearTimeout(timer);
    if (ended) {
      // Revokes the session's refresh token; nothing to do if it fails, the token expires on its own.
      request('POST', '/api/auth/logout', { refreshToken: ended.refreshToken }).catch(() => {});
    }
    clearData();
    $('dashboard').hidden = true;
    $('not-allowed').hidden = true;
    $('sign-out').hidden = true;
    $('sign-in').hidden = false;
    $('sign-in-problem').textContent = reason || '';
    setConnection('Signed out');
    $('email').focus();
  }

  // The role travels in the access token, so asking again with the same token gets the same answer: the page stops asking.
  function showNotAllowed() {
    allowed = false;
    clearTimeout(timer);
    clearData();
    $('dashboard').hidden = true;
    $('not-allowed').hidden = false;
    setConnection('Signed in without administrator rights');
  }

  function clearData() {
    cards.clear();
    $('queues').replaceChildren();
    $('jobs-queue').replaceChildren();
    $('jobs-table').tBodies[0].replaceChildren();
    $('jobs').hidden = true;
    closeJob(false);
    $('message').textContent = '';
    Object.assign(view, { queue: null, state: 'waiting', cursors: [null], nextCursor: null, job: null });
    lastUpdate = null;
  }

  // ---- Refreshing ----

  function schedule() {
    clearTimeout(timer);
    if (session && allowed) timer = setTimeout(refresh, REFRESH_MS);
  }

  async function refresh() {
    if (!session || !allowed) return;
    if (refreshing) {
      refreshAgain = true;
      return;
    }
    if (document.hidden) {
      schedule();
      return;
    }
    refreshing = true;
    const current = generation;
    const stillCurrent = () => {
      if (current !== generation) throw new SignedOut();
    };
    try {
      const summaries = await api('GET', '/api/admin/queues');
      stillCurrent();
      $('not-allowed').hidden = true;
      $('dashboard').hidden = false;
      renderQueues(summaries);
      if (view.queue) {
        const cursor = currentCursor();
        const after = cursor === null ? '' : `&cursor=${q(cursor)}`;
        const jobs = await api('GET', `${queuePath(view.queue)}/jobs?state=${q(view.state)}&pageSize=${PAGE_SIZE}${after}`);
        stillCurrent();
        renderJobs(jobs, cursor);
      }
      if (view.job) await loadJob(stillCurrent);
      lastUpdate = new Date();
      setConnection(`Live: updated ${lastUpdate.toLocaleTimeString()}`);
    } catch (error) {
      report(error);
    } finally {
      refreshing = false;
      if (refreshAgain && session && allowed) {
        refreshAgain = false;
        refresh();
      } else {
        schedule();
      }
    }
  }

  function report(error) {
    if (error instanceof SignedOut) return;
    if (error instanceof Unreachable) {
      const since = lastUpdate ? ` Showing data from ${lastUpdate.toLocaleTimeString()}.` : '';
      setConnection(`Cannot reach the service; retrying every ${REFRESH_MS / 1000} s.${since}`, true);
      return;
    }
    showMessage(error.message, true);
  }

  function setConnection(text, offline = false) {
    const status = $('connection');
    status.textContent = text;
    status.classList.toggle('offline', offline);
  }

  function showMessage(text, isError = false) {
    const message = $('message');
    message.textContent = text;
    message.classList.toggle('error', isError);
  }

  // ---- Queues ----

  function formatCount(count) {
    return count >= countLimit ? `${countLimit.toLocaleString('en')}+` : count.toLocaleString('en');
  }

  function formatAge(seconds) {
    if (seconds === null || seconds === undefined) return 'none waiting';
    const units = [[86400, 'd'], [3600, 'h'], [60, 'min'], [1, 's']];
    const parts = [];
    let rest = Math.max(0, Math.floor(seconds));
    for (const [size, unit] of units) {
      if (rest >= size || (unit === 's' && parts.length === 0)) {
        parts.push(`${Math.floor(rest / size)} ${unit}`);
        rest %= size;
      }
      if (parts.length === 2) break;
    }
    return parts.join(' ');
  }

  function renderQueues(summaries) {
    countLimit = summaries.countLimit;
    const names = summaries.queues.map((queue) => queue.name);
    if (names.join('\n') !== [...cards.keys()].join('\n')) {
      cards.clear();
      $('queues').replaceChildren(...names.map(createCard));
      const select = $('jobs-queue');
      select.replaceChildren(...names.map((name) => el('option', { value: name, text: name })));
      if (view.queue) select.value = view.queue;
    }
    for (const queue of summaries.queues) updateCard(cards.get(queue.name), queue);
  }

  function createCard(name) {
    const slug = name.replace(/[^A-Za-z0-9_-]/g, '-');
    const card = { name };
    card.badge = el('span', { class: 'badge', text: 'paused', hidden: true });
    card.counts = new Map();
    const counts = el('dl', { class: 'counts' });
    for (const state of STATES) {
      const number = el('span', { class: 'count', text: '0' });
      const button = el('button', { type: 'button', 'data-state': state }, number, hidden(` ${state} jobs in ${name}: list them`));
      button.addEventListener('click', () => openJobs(name, state));
      counts.append(el('div', { class: state }, el('dt', { text: state }), el('dd', {}, button)));
      card.counts.set(state, { button, number });
    }
    card.recent = el('p', { class: 'recent' });
    card.pause = el('button', { type: 'button' });
    card.pause.addEventListener('click', () => togglePause(card));
    card.retryDead = el('button', { type: 'button' }, 'Retry dead jobs', hidden(` of ${name}`));
    card.retryDead.addEventListener('click', () => retryDead(name));
    const ageId = `delete-age-${slug}`;
    card.age = el('select', { id: ageId }, ...DELETE_AGES.map(([minutes, text]) => el('option', { value: String(minutes), text })));
    const deleteButton = el('button', { type: 'button', class: 'danger' }, 'Delete', hidden(` completed jobs of ${name}`));
    deleteButton.addEventListener('click', () => deleteCompleted(name, Number(card.age.value)));
    card.element = el('article', { class: 'queue', 'data-queue': name, 'aria-labelledby': `queue-${slug}` },
      el('h3', { id: `queue-${slug}` }, el('span', { text: name }), card.badge),
      counts,
      card.recent,
      el('div', { class: 'actions' },
        card.pause,
        card.retryDead,
        el('div', { class: 'delete-completed' }, el('label', { for: ageId, text: 'Completed jobs' }), card.age, deleteButton)));
    cards.set(name, card);
    return card.element;
  }

  function updateCard(card, queue) {
    card.paused = queue.paused;
    card.badge.hidden = !queue.paused;
    card.badge.title = queue.paused ? `Paused at ${new Date(queue.pausedAt).toLocaleString()} by ${queue.pausedBy}` : '';
    card.pause.replaceChildren(queue.paused ? 'Resume' : 'Pause', hidden(` queue ${queue.name}`));
    for (const state of STATES) {
      const count = queue.counts[state];
      const { button, number } = card.counts.get(state);
      number.textContent = formatCount(count);
      button.classList.toggle('zero', count === 0);
    }
    card.retryDead.disabled = queue.counts.dead === 0;
    card.recent.textContent = `Last 5 minutes: ${queue.completedLast5Minutes.toLocaleString('en')} completed, `
      + `${queue.failedLast5Minutes.toLocaleString('en')} failed. Oldest waiting: ${formatAge(queue.oldestWaitingAgeSeconds)}.`;
  }

  async function togglePause(card) {
    const action = card.paused ? 'resume' : 'pause';
    await act(() => api('POST', `${queuePath(card.name)}/${action}`), () => `Queue ${card.name} ${action === 'pause' ? 'paused' : 'resumed'}.`);
  }

  async function retryDead(queue) {
    await act(() => api('POST', `${queuePath(queue)}/retry-dead`), (r) => `Retried ${r.retried} dead jobs of ${queue}.`);
  }

  async function deleteCompleted(queue, minutes) {
    const which = DELETE_AGES.find(([m]) => m === minutes)[1];
    if (!window.confirm(`Delete the completed jobs of ${queue} ${which}? This cannot be undone.`)) return;
    await act(() => api('DELETE', `${queuePath(queue)}/completed-jobs?olderThanMinutes=${minutes}`), (r) => `Deleted ${r.deleted} completed jobs of ${queue}.`);
  }

  async function act(run, describe) {
    try {
      showMessage(describe(await run()));
    } catch (error) {
      report(error);
    }
    await refresh();
  }

  // ---- Job list ----

  function openJobs(queue, state) {
    Object.assign(view, { queue, state, cursors: [null], nextCursor: null });
    $('jobs-queue').value = queue;
    $('jobs-state').value = state;
    $('jobs').hidden = false;
    $('jobs-table').tBodies[0].replaceChildren();
    $('jobs-caption').textContent = `Loading ${state} jobs of ${queue}…`;
    refresh();
    $('jobs-title').scrollIntoView({ block: 'nearest' });
  }

  const formatTime = (value) => (value ? new Date(value).toLocaleString() : '—');

  function renderJobs(page, cursor) {
    // A list asked for before the admin picked another queue, state or page is stale: the next refresh brings the right one.
    if (page.queue !== view.queue || page.state !== view.state || cursor !== currentCursor()) return;
    const focusedJob = document.activeElement && document.activeElement.dataset ? document.activeElement.dataset.jobId : undefined;
    view.nextCursor = page.nextCursor;
    $('jobs-caption').textContent = `${page.state} jobs of ${page.queue}, newest first`;
    const rows = page.items.map((job) => {
      const open = el('button', { type: 'button', 'data-job-id': String(job.id) }, hidden('Show job '), String(job.id));
      open.addEventListener('click', () => openJob(page.queue, job.id));
      return el('tr', {},
        el('td', {}, open),
        el('td', { text: job.type }),
        el('td', { text: `${job.attempts} / ${job.maxAttempts}` }),
        el('td', { class: 'time', text: formatTime(job.createdAt) }),
        el('td', { class: 'time', text: formatTime(job.startedAt) }),
        el('td', { class: 'time', text: formatTime(job.finishedAt) }),
        el('td', { class: 'error', text: job.lastError || '' }));
    });
    if (rows.length === 0) rows.push(el('tr', {}, el('td', { colSpan: 7, text: `No ${page.state} jobs on this page.` })));
    $('jobs-table').tBodies[0].replaceChildren(...rows);
    $('page-label').textContent = `Page ${view.cursors.length}`;
    $('previous-page').disabled = view.cursors.length <= 1;
    $('next-page').disabled = !page.nextCursor;
    if (focusedJob) {
      const again = $('jobs-table').querySelector(`button[data-job-id="${focusedJob}"]`);
      if (again) again.focus();
    }
  }

  // ---- One job ----

  async function openJob(queue, id) {
    view.job = { queue, id };
    $('job').hidden = false;
    $('job-title').textContent = `Job ${id}`;
    try {
      const current = generation;
      await loadJob(() => {
        if (current !== generation) throw new SignedOut();
      });
    } catch (error) {
      report(error);
    }
    $('job-title').focus();
  }

  async function loadJob(stillCurrent) {
    const { queue, id } = view.job;
    let job;
    try {
      job = await api('GET', `${queuePath(queue)}/jobs/${id}`);
      stillCurrent();
    } catch (error) {
      if (error instanceof Problem && error.status === 404) {
        showMessage(`Job ${id} no longer exists.`, true);
        closeJob(false);
        return;
      }
      throw error;
    }
    if (!view.job || view.job.id !== id) return;
    renderJob(job);
  }

  function renderJob(job) {
    $('job-title').textContent = `Job ${job.id} (${job.state})`;
    const fields = [
      ['Queue', job.queue], ['Type', job.type], ['State', job.state], ['Attempts', `${job.attempts} of at most ${job.maxAttempts}`],
      ['Created', formatTime(job.createdAt)], ['Due', formatTime(job.runAt)], ['Started', formatTime(job.startedAt)],
      ['Finished', formatTime(job.finishedAt)], ['Last failed', formatTime(job.lastFailedAt)],
      ['Lease', job.leaseOwner ? `${job.leaseOwner} until ${formatTime(job.leaseExpiresAt)}` : '—'],
    ];
    $('job-fields').replaceChildren(...fields.flatMap(([name, value]) => [el('dt', { text: name }), el('dd', { text: value, 'data-field': name.toLowerCase() })]));
    $('job-payload').textContent = JSON.stringify(job.payload, null, 2);
    $('job-error').textContent = job.lastError || 'None.';
    const retry = $('retry-job');
    retry.hidden = !(job.state === 'failed' || job.state === 'dead');
  }

  function closeJob(restoreFocus = true) {
    const closed = view.job;
    view.job = null;
    $('job').hidden = true;
    $('job-fields').replaceChildren();
    $('job-payload').textContent = '';
    $('job-error').textContent = '';
    if (restoreFocus && closed) {
      const button = $('jobs-table').querySelector(`button[data-job-id="${closed.id}"]`);
      if (button) button.focus();
    }
  }

  async function retryJob() {
    if (!view.job) return;
    const { queue, id } = view.job;
    await act(() => api('POST', `${queuePath(queue)}/jobs/${id}/retry`), () => `Job ${id} will run again now.`);
  }

  // ---- Wiring ----

  document.addEventListener('DOMContentLoaded', () => {
    $('sign-in-form').addEventListener('submit', signIn);
    $('sign-out').addEventListener('click', () => signOut());
    $('retry-job').addEventListener('click', retryJob);
    $('close-job').addEventListener('click', () => closeJob());
    $('jobs-queue').addEventListener('change', (e) => openJobs(e.target.value, view.state));
    $('jobs-state').addEventListener('change', (e) => openJobs(view.queue, e.target.value));
    $('previous-page').addEventListener('click', () => { if (view.cursors.length > 1) { view.cursors.pop(); refresh(); } });
    $('next-page').addEventListener('click', () => { if (view.nextCursor) { view.cursors.push(view.nextCursor); view.nextCursor = null; refresh(); } });
    document.addEventListener('keydown', (e) => {
      if (e.key === 'Escape' && view.job) closeJob();
    });
    document.addEventListener('visibilitychange', () => {
      if (!document.hidden && session) refresh();
    });
    $('email').focus();
  });
})();
