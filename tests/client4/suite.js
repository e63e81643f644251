// The official Mattermost client (@mattermost/client: Client4 and WebSocketClient) against
// the emulator with the real bot behind it. Run by tests/client4/test_client4.py, which starts
// the world and passes its addresses in the JSON file named by CLIENT4_CONFIG.
//
// Every step must succeed with the types Client4 expects: objects where the server answers
// JSON (Client4 decodes only `Content-Type: application/json`), a ClientError with the
// server's status and error id where it answers an error. The last line printed is
// `RESULTS <json>`: one {name, ok, detail} per step.
'use strict';

const fs = require('node:fs');
const WS = require('ws');
const {Client4, ClientError, WebSocketClient} = require('@mattermost/client');

// Node 20 has neither a global WebSocket nor CloseEvent; WebSocketClient reads both.
globalThis.WebSocket = globalThis.WebSocket || WS;
if (typeof globalThis.CloseEvent === 'undefined') {
    globalThis.CloseEvent = class CloseEvent extends Event {
        constructor(type, init = {}) {
            super(type);
            this.code = init.code || 0;
            this.wasClean = Boolean(init.wasClean);
        }
    };
}

const config = JSON.parse(fs.readFileSync(process.env.CLIENT4_CONFIG, 'utf8'));
const results = [];
const events = [];
const waiters = [];

function isObject(value) {
    return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function expect(condition, message) {
    if (!condition) {
        throw new Error(message);
    }
}

async function step(name, body) {
    try {
        const detail = await body();
        results.push({name, ok: true, detail: detail || ''});
    } catch (err) {
        results.push({name, ok: false, detail: String(err && err.stack ? err.stack : err)});
        throw err;
    }
}

function onEvent(msg) {
    events.push(msg);
    for (const waiter of [...waiters]) {
        if (waiter.match(msg)) {
            waiters.splice(waiters.indexOf(waiter), 1);
            waiter.resolve(msg);
        }
    }
}

// The next event (from `since`, an index into `events`) that `match` accepts.
function nextEvent(match, what, since = 0, timeoutMs = 15000) {
    const seen = events.slice(since).find(match);
    if (seen) {
        return Promise.resolve(seen);
    }
    return new Promise((resolve, reject) => {
        const waiter = {match, resolve};
        waiters.push(waiter);
        setTimeout(() => {
            const at = waiters.indexOf(waiter);
            if (at >= 0) {
                waiters.splice(at, 1);
                reject(new Error(`no ${what} within ${timeoutMs} ms`));
            }
        }, timeoutMs);
    });
}

function postOf(msg) {
    expect(typeof msg.data.post === 'string', `${msg.event}: data.post must be a JSON string`);
    return JSON.parse(msg.data.post);
}

function botPosted(since, predicate = () => true) {
    return nextEvent(
        (m) => m.event === 'posted' && postOf(m).user_id === config.bot_id && predicate(postOf(m)),
        'posted event from the bot',
        since,
    );
}

function actionsOf(post) {
    const found = [];
    for (const attachment of (post.props && post.props.attachments) || []) {
        found.push(...(attachment.actions || []));
    }
    return found;
}

async function main() {
    const client = new Client4();
    client.setUrl(config.base_url);
    let me;
    let channel;
    let greeting;
    let dialog;
    let connectionId;

    await step('login', async () => {
        me = await client.login(config.username, config.password);
        expect(isObject(me) && me.username === config.username, 'login: expected the user object');
        expect(client.getToken().length > 0, 'login: no session token taken from the Token header');
    });

    await step('getMe', async () => {
        const again = await client.getMe();
        expect(isObject(again) && again.id === me.id, 'getMe: expected my user object');
        expect(isObject(again.timezone), 'getMe: timezone must be an object');
    });

    await step('error types', async () => {
        try {
            await client.getPost('x'.repeat(26));
        } catch (err) {
            expect(err instanceof ClientError, 'an error must be a ClientError');
            expect(err.status_code === 403, `status_code ${err.status_code}, expected 403`);
            expect(err.server_error_id === 'api.context.permissions.app_error', `id ${err.server_error_id}`);
            return `ClientError ${err.status_code} ${err.server_error_id}`;
        }
        throw new Error('getPost of an unknown id succeeded');
    });

    const ws = new WebSocketClient({
        // Like a browser with its MMAUTHTOKEN cookie: the upgrade itself is authenticated,
        // which is what lets the server resume a connection (api4/websocket.go).
        newWebSocketFn: (url) => new WS(url, {headers: {Authorization: `Bearer ${client.getToken()}`}}),
        minWebSocketRetryTime: 300,
        reconnectJitterRange: 1,
        clientPingInterval: 60000,
    });
    let missed = 0;
    ws.addMessageListener(onEvent);
    ws.addMissedMessageListener(() => {
        missed += 1;
    });
    const wsUrl = config.base_url.replace(/^http/, 'ws') + '/api/v4/websocket';

    await step('websocket hello', async () => {
        ws.initialize(wsUrl, client.getToken());
        const hello = await nextEvent((m) => m.event === 'hello', 'hello');
        expect(hello.seq === 0, `hello seq ${hello.seq}`);
        expect(typeof hello.data.connection_id === 'string' && hello.data.connection_id.length > 0, 'no connection_id');
        connectionId = hello.data.connection_id;
    });

    await step('createDirectChannel', async () => {
        channel = await client.createDirectChannel([me.id, config.bot_id]);
        expect(isObject(channel) && channel.type === 'D', 'expected a DM channel object');
        const sorted = [me.id, config.bot_id].sort().join('__');
        expect(channel.name === sorted, `DM name ${channel.name}`);
    });

    await step('createPost and posted', async () => {
        const since = events.length;
        const post = await client.createPost({channel_id: channel.id, message: 'hello'});
        expect(isObject(post) && typeof post.id === 'string' && post.message === 'hello', 'expected my post');
        const mine = await nextEvent((m) => m.event === 'posted' && postOf(m).id === post.id, 'posted (mine)', since);
        expect(mine.data.channel_type === 'D', 'posted: channel_type');
        const answer = await botPosted(since, (p) => actionsOf(p).length > 0);
        greeting = postOf(answer);
        return `the bot answered with ${actionsOf(greeting).length} buttons`;
    });

    await step('getPosts', async () => {
        const list = await client.getPosts(channel.id);
        expect(isObject(list) && Array.isArray(list.order) && isObject(list.posts), 'expected a PostList');
        expect(list.order.includes(greeting.id), 'the greeting is missing from getPosts');
        const stored = list.posts[greeting.id];
        for (const action of actionsOf(stored)) {
            expect(!('integration' in action), 'action integrations must be stripped for clients');
        }
    });

    await step('doPostAction and open_dialog', async () => {
        const since = events.length;
        const [connect] = actionsOf(greeting);
        const answer = await client.doPostAction(greeting.id, connect.id);
        expect(isObject(answer) && answer.status === 'OK', 'doPostAction: expected {status: OK}');
        expect(typeof answer.trigger_id === 'string', 'doPostAction: trigger_id');
        const opened = await nextEvent((m) => m.event === 'open_dialog', 'open_dialog', since);
        expect(typeof opened.data.dialog === 'string', 'open_dialog: data.dialog must be a JSON string');
        dialog = JSON.parse(opened.data.dialog);
        expect(isObject(dialog.dialog) && Array.isArray(dialog.dialog.elements), 'open_dialog: dialog.elements');
        return `dialog ${dialog.dialog.callback_id} with ${dialog.dialog.elements.length} fields`;
    });

    const submission = (password) => ({
        url: dialog.url,
        callback_id: dialog.dialog.callback_id,
        state: dialog.dialog.state,
        channel_id: channel.id,
        team_id: '',
        submission: {email: config.caldav_email, password, server: 'mailru', url: ''},
        cancelled: false,
    });

    await step('submitInteractiveDialog wrong password', async () => {
        const answer = await client.submitInteractiveDialog(submission(config.wrong_password));
        expect(isObject(answer) && isObject(answer.errors), 'expected {errors: {...}} for a wrong password');
        expect(typeof answer.errors.password === 'string', 'the error must name the password field');
    });

    await step('submitInteractiveDialog right password', async () => {
        const since = events.length;
        const answer = await client.submitInteractiveDialog(submission(config.caldav_password));
        expect(isObject(answer) && !answer.errors && !answer.error, `expected no errors, got ${JSON.stringify(answer)}`);
        const done = await botPosted(since, (p) => JSON.stringify(p).includes(config.caldav_email));
        return `the bot confirmed in post ${postOf(done).id}`;
    });

    let menu;
    await step('executeCommand', async () => {
        const since = events.length;
        const answer = await client.executeCommand('/calendar', {channel_id: channel.id, team_id: config.team_id});
        expect(isObject(answer) && typeof answer.text === 'string', 'executeCommand: expected a CommandResponse');
        expect(typeof answer.trigger_id === 'string', 'executeCommand: trigger_id');
        menu = postOf(await botPosted(since, (p) => actionsOf(p).length > 0));
        return answer.text;
    });

    await step('post_edited', async () => {
        const since = events.length;
        const settings = actionsOf(menu).find((a) => a.name === config.settings_label);
        expect(settings, `no ${config.settings_label} button in the menu`);
        const answer = await client.doPostAction(menu.id, settings.id);
        expect(isObject(answer) && answer.status === 'OK', 'doPostAction: expected {status: OK}');
        const edited = await nextEvent((m) => m.event === 'post_edited' && postOf(m).id === menu.id, 'post_edited', since);
        const post = postOf(edited);
        expect(post.edit_at > 0, 'post_edited: edit_at must be set');
        return `the menu became the settings view (${actionsOf(post).length} controls)`;
    });

    await step('patchMe and user_updated', async () => {
        const since = events.length;
        const zone = {useAutomaticTimezone: 'false', manualTimezone: 'Asia/Tokyo', automaticTimezone: ''};
        const patched = await client.patchMe({timezone: zone, locale: 'ru'});
        expect(isObject(patched) && patched.locale === 'ru', 'patchMe: expected my updated user');
        const updated = await nextEvent((m) => m.event === 'user_updated', 'user_updated', since);
        expect(isObject(updated.data.user), 'user_updated: data.user must be an object');
        expect(updated.data.user.timezone.manualTimezone === 'Asia/Tokyo', 'user_updated: the new zone');
    });

    await step('custom status and status', async () => {
        const since = events.length;
        const expires = new Date(Date.now() + 30 * 60 * 1000).toISOString().replace(/\.\d+Z$/, 'Z');
        const set = await client.updateCustomStatus({emoji: 'date', text: 'In a meeting', duration: 'date_and_time', expires_at: expires});
        expect(isObject(set) && set.status === 'OK', 'updateCustomStatus: expected {status: OK}');
        const updated = await nextEvent((m) => m.event === 'user_updated', 'user_updated', since);
        const stored = JSON.parse(updated.data.user.props.customStatus);
        expect(stored.text === 'In a meeting' && stored.expires_at === expires, 'the custom status in my props');
        const dnd = await client.updateStatus({user_id: me.id, status: 'dnd', dnd_end_time: Math.floor(Date.now() / 1000) + 1800});
        expect(isObject(dnd) && dnd.status === 'dnd', 'updateStatus: expected my new status');
        const read = await client.getStatus(me.id);
        expect(read.status === 'dnd' && read.user_id === me.id, 'getStatus: dnd');
        const unset = await client.unsetCustomStatus();
        expect(isObject(unset) && unset.status === 'OK', 'unsetCustomStatus: expected {status: OK}');
        try {
            await client.updateStatus({user_id: config.bot_id, status: 'dnd'});
            throw new Error('another user\'s status: expected a 403');
        } catch (err) {
            expect(err instanceof ClientError && err.status_code === 403, `expected a 403 ClientError, got ${err}`);
        }
        return 'set, read and unset; another user\'s refused';
    });

    await step('reconnect with resume', async () => {
        const seqBefore = ws.serverSequence;
        const hellos = events.filter((m) => m.event === 'hello').length;
        const reconnected = new Promise((resolve) => ws.addReconnectListener(resolve));
        ws.conn.close();
        // While the socket is down: a post whose `posted` event the server must keep and replay.
        await new Promise((resolve) => setTimeout(resolve, 100));
        const post = await client.createPost({channel_id: channel.id, message: 'while away'});
        await reconnected;
        const replayed = await nextEvent((m) => m.event === 'posted' && postOf(m).id === post.id, 'the replayed posted event');
        expect(replayed.seq >= seqBefore, `replayed seq ${replayed.seq} < ${seqBefore}`);
        expect(ws.connectionId === connectionId, 'the connection id changed: not resumed');
        expect(events.filter((m) => m.event === 'hello').length === hellos, 'a new hello: not resumed');
        expect(missed === 0, 'the client saw a gap');
        return `resumed ${connectionId} from seq ${seqBefore}`;
    });

    ws.close();
}

main()
    .catch(() => undefined)
    .finally(() => {
        process.stdout.write('RESULTS ' + JSON.stringify(results) + '\n');
        process.exit(results.length > 0 && results.every((r) => r.ok) ? 0 : 1);
    });
