// A web or mobile client's first session, written only against the types openapi-typescript generates from the
// live document (src/generated/api.d.ts): compiled with tsc --strict and no casts or non-null assertions
// (scripts/no-assertions.mjs), then run with node against the service by Tests/Infrastructure/OpenApi/GeneratedClientTests.cs.
// Each step prints one JSON line; any unexpected answer throws and exits non-zero.
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import * as signalR from "@microsoft/signalr";
import createClient from "openapi-fetch";
import type { components, paths } from "./generated/api.js";

type Problem = components["schemas"]["ProblemDetails"];
/** The hub's `notification` message: a stored notification without its read time. */
type NotificationMessage = Omit<components["schemas"]["NotificationResponse"], "readAt">;

const baseUrl = requireEnv("API_BASE_URL");
const adminAccessToken = requireEnv("ADMIN_ACCESS_TOKEN");
// Where the service writes its emails as .eml files (Email:PickupDirectory): the flow reads its links there, as a user would in a mail client.
const mailDirectory = requireEnv("MAIL_DIRECTORY");
// A guard against hanging on a lost message, not a measurement: the test never asserts a duration.
const hangGuardMs = 60_000;

function requireEnv(name: string): string {
  const value = process.env[name];
  if (value === undefined || value === "") {
    throw new Error(`${name} is not set`);
  }
  return value;
}

function step(name: string, detail?: Record<string, unknown>): void {
  console.log(JSON.stringify({ step: name, ...detail }));
}

function fail(what: string, problem?: Problem): never {
  throw new Error(problem === undefined ? what : `${what}: ${problem.status} ${problem.title} (${problem.detail ?? "no detail"}), trace ${problem.traceId}`);
}

function clientFor(accessToken?: string) {
  return createClient<paths>({ baseUrl, headers: accessToken === undefined ? {} : { Authorization: `Bearer ${accessToken}` } });
}

function isNotificationMessage(value: unknown): value is NotificationMessage {
  return typeof value === "object" && value !== null
    && "id" in value && typeof value.id === "string"
    && "title" in value && typeof value.title === "string"
    && "body" in value && typeof value.body === "string"
    && "data" in value && typeof value.data === "object" && value.data !== null
    && "createdAt" in value && typeof value.createdAt === "string";
}

/** The token of the newest link to the client's `page` in an email to `to`, waiting for the email to arrive. */
async function tokenFromMail(page: string, to: string, notIn: readonly string[] = []): Promise<string> {
  const pattern = new RegExp(`/${page}\\?token=([A-Za-z0-9_-]+)`);
  const guard = Date.now() + hangGuardMs;
  while (Date.now() < guard) {
    for (const name of (await readdir(mailDirectory)).filter((n) => n.endsWith(".eml"))) {
      const text = await readFile(join(mailDirectory, name), "utf8");
      const token = pattern.exec(text)?.[1];
      if (text.includes(`<${to}>`) && token !== undefined && !notIn.includes(token)) return token;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`no ${page} link arrived for ${to}`);
}

const anonymous = clientFor();
const email = `flow-${crypto.randomUUID()}@example.com`;
const password = "a long enough passphrase";

// Register: 201 with the account; role is the closed set "user" | "admin".
const registered = await anonymous.POST("/api/auth/register", { body: { email, password, displayName: "Flow User" } });
if (registered.error) fail("register", registered.error);
const role: "user" | "admin" = registered.data.role;
step("register", { id: registered.data.id, role });

// Login: the token pair, every field required.
const login = await anonymous.POST("/api/auth/login", { body: { email, password } });
if (login.error) fail("login", login.error);
let tokens = login.data;
const expiresInSeconds: number = tokens.expiresIn;
step("login", { tokenType: tokens.tokenType, expiresInSeconds });

let user = clientFor(tokens.accessToken);

const me = await user.GET("/api/users/me");
if (me.error) fail("me", me.error);
if (me.data.email !== email) fail(`me: expected ${email}, got ${me.data.email}`);
const emailConfirmed: boolean = me.data.emailConfirmed;
if (emailConfirmed) fail("me: a new account's address is confirmed already");
step("me", { id: me.data.id, emailConfirmed });

const updated = await user.PATCH("/api/users/me", { body: { displayName: "Flow User, renamed" } });
if (updated.error) fail("update me", updated.error);
if (updated.data.displayName !== "Flow User, renamed") fail(`update me: got ${updated.data.displayName}`);
step("updateMe", { displayName: updated.data.displayName });

// A 401 problem, typed: no token.
const unauthorized = await anonymous.GET("/api/users/me");
if (unauthorized.error === undefined) fail("me without a token: expected 401, got data");
if (unauthorized.error.status !== 401 || unauthorized.response.status !== 401) fail("me without a token", unauthorized.error);
step("problem401", { title: unauthorized.error.title, traceId: unauthorized.error.traceId });

// A 400 problem, typed: `errors` names the field.
const invalid = await user.PATCH("/api/users/me", { body: { displayName: "" } });
if (invalid.error === undefined) fail("empty display name: expected 400, got data");
const displayNameErrors: string[] = invalid.error.errors?.["displayName"] ?? [];
if (invalid.error.status !== 400 || displayNameErrors.length === 0) fail("empty display name", invalid.error);
step("problem400", { displayName: displayNameErrors });

// A live notification over the hub: an administrator sends it while this client is connected.
const connection = new signalR.HubConnectionBuilder()
  .withUrl(`${baseUrl}/hubs/notifications`, {
    accessTokenFactory: () => tokens.accessToken,
    transport: signalR.HttpTransportType.WebSockets,
    skipNegotiation: true,
  })
  .configureLogging(signalR.LogLevel.Warning)
  .build();
const pushed = new Promise<NotificationMessage>((resolve, reject) => {
  const guard = setTimeout(() => reject(new Error("no notification message arrived")), hangGuardMs);
  connection.on("notification", (message: unknown) => {
    if (!isNotificationMessage(message)) {
      reject(new Error(`not a notification message: ${JSON.stringify(message)}`));
      return;
    }
    clearTimeout(guard);
    resolve(message);
  });
});
await connection.start();
step("hubConnected");

const admin = clientFor(adminAccessToken);
// An Idempotency-Key (a typed header parameter of the operation) makes the send safe to retry.
const welcome = {
  params: { header: { "Idempotency-Key": crypto.randomUUID() } },
  body: { userId: me.data.id, title: "Welcome", body: "Sent by an administrator to one user.", data: { kind: "welcome", step: 1 } },
};
const sent = await admin.POST("/api/admin/notifications", welcome);
if (sent.error) fail("send a notification", sent.error);
const message = await pushed;
if (message.id !== sent.data.id || message.data["kind"] !== "welcome") fail(`hub: unexpected message ${JSON.stringify(message)}`);
await connection.stop();
step("hubNotification", { id: message.id, title: message.title });

// A retry with the same key gets the first answer again and sends nothing more.
const retried = await admin.POST("/api/admin/notifications", welcome);
if (retried.error) fail("retry the send", retried.error);
if (retried.data.id !== sent.data.id || retried.response.headers.get("Idempotent-Replayed") !== "true") {
  fail(`retry the send: a new answer ${JSON.stringify(retried.data)}`);
}
step("sendRetried", { id: retried.data.id });

// The list (read only `items`: every list answers { items, nextCursor, ... }).
const listed = await user.GET("/api/notifications", { params: { query: { pageSize: 10 } } });
if (listed.error) fail("list notifications", listed.error);
const stored = listed.data.items.find((n) => n.id === message.id);
if (stored === undefined) fail("list notifications: the pushed notification is missing");
if (stored.readAt !== null) fail(`list notifications: already read at ${stored.readAt}`);
step("listNotifications", { count: listed.data.items.length });

const marked = await user.POST("/api/notifications/{id}/read", { params: { path: { id: stored.id } } });
if (marked.error) fail("mark read", marked.error);
if (marked.response.status !== 204) fail(`mark read: status ${marked.response.status}`);
const relisted = await user.GET("/api/notifications", { params: { query: { pageSize: 10 } } });
if (relisted.error) fail("list notifications again", relisted.error);
const readAt: string | null = relisted.data.items.find((n) => n.id === stored.id)?.readAt ?? null;
if (readAt === null) fail("mark read: readAt is still null");
step("markRead", { readAt });

// Refresh: a new pair; the new access token works.
const refreshed = await anonymous.POST("/api/auth/refresh", { body: { refreshToken: tokens.refreshToken } });
if (refreshed.error) fail("refresh", refreshed.error);
tokens = refreshed.data;
user = clientFor(tokens.accessToken);
const meAgain = await user.GET("/api/users/me");
if (meAgain.error) fail("me after refresh", meAgain.error);
step("refresh", { sameUser: meAgain.data.id === me.data.id });

// Logout: 204, and the session's refresh token is refused afterwards (a typed 401).
const loggedOut = await anonymous.POST("/api/auth/logout", { body: { refreshToken: tokens.refreshToken } });
if (loggedOut.error) fail("logout", loggedOut.error);
if (loggedOut.response.status !== 204) fail(`logout: status ${loggedOut.response.status}`);
const afterLogout = await anonymous.POST("/api/auth/refresh", { body: { refreshToken: tokens.refreshToken } });
if (afterLogout.error === undefined) fail("refresh after logout: expected 401, got a token pair");
if (afterLogout.error.status !== 401) fail("refresh after logout", afterLogout.error);
step("logout", { refreshAfterLogout: afterLogout.error.status });

// Confirm the address with the token of the emailed link (the client's /confirm-email page posts it): 204, then the
// account says so. The same token again is a typed 400 whose `errors` names `token`.
const confirmToken = await tokenFromMail("confirm-email", email);
const confirmed = await anonymous.POST("/api/auth/confirm-email", { body: { token: confirmToken } });
if (confirmed.error) fail("confirm email", confirmed.error);
if (confirmed.response.status !== 204) fail(`confirm email: status ${confirmed.response.status}`);
const confirmedAgain = await anonymous.POST("/api/auth/confirm-email", { body: { token: confirmToken } });
if (confirmedAgain.error === undefined) fail("confirm email again: expected 400");
const tokenErrors: string[] = confirmedAgain.error.errors?.["token"] ?? [];
if (confirmedAgain.error.status !== 400 || tokenErrors.length === 0) fail("confirm email again", confirmedAgain.error);
const resent = await anonymous.POST("/api/auth/resend-confirmation", { body: { email } });
if (resent.error) fail("resend confirmation", resent.error);
if (resent.response.status !== 202) fail(`resend confirmation: status ${resent.response.status}`);
step("confirmEmail", { reused: confirmedAgain.error.status, resent: resent.response.status });

// A forgotten password: 202 for a known and an unknown address alike; the emailed link's token and a new password
// reset it, the new password signs in, and the sessions of before are over.
const sessionBefore = await anonymous.POST("/api/auth/login", { body: { email, password } });
if (sessionBefore.error) fail("login before the reset", sessionBefore.error);
const forgot = await anonymous.POST("/api/auth/forgot-password", { body: { email } });
if (forgot.error) fail("forgot password", forgot.error);
const forgotUnknown = await anonymous.POST("/api/auth/forgot-password", { body: { email: `nobody-${crypto.randomUUID()}@example.com` } });
if (forgotUnknown.error) fail("forgot password, unknown address", forgotUnknown.error);
if (forgot.response.status !== 202 || forgotUnknown.response.status !== 202) fail(`forgot password: ${forgot.response.status}, ${forgotUnknown.response.status}`);
const newPassword = "a brand new passphrase";
const reset = await anonymous.POST("/api/auth/reset-password", { body: { token: await tokenFromMail("reset-password", email), newPassword } });
if (reset.error) fail("reset password", reset.error);
const signedInAgain = await anonymous.POST("/api/auth/login", { body: { email, password: newPassword } });
if (signedInAgain.error) fail("login with the new password", signedInAgain.error);
const meConfirmed = await clientFor(signedInAgain.data.accessToken).GET("/api/users/me");
if (meConfirmed.error) fail("me after the reset", meConfirmed.error);
if (!meConfirmed.data.emailConfirmed) fail("me after the reset: the address is not confirmed");
const oldSession = await anonymous.POST("/api/auth/refresh", { body: { refreshToken: sessionBefore.data.refreshToken } });
if (oldSession.error === undefined || oldSession.error.status !== 401) fail("refresh of a session from before the reset: expected 401");
step("resetPassword", { reset: reset.response.status, oldSession: oldSession.error.status, emailConfirmed: meConfirmed.data.emailConfirmed });

// Change password: two sessions; the one that changes it stays signed in, the other's refresh token is refused.
const changedPassword = "another long enough passphrase";
const sessionA = await anonymous.POST("/api/auth/login", { body: { email, password: newPassword } });
if (sessionA.error) fail("login A", sessionA.error);
const sessionB = await anonymous.POST("/api/auth/login", { body: { email, password: newPassword } });
if (sessionB.error) fail("login B", sessionB.error);
user = clientFor(sessionA.data.accessToken);
const changed = await user.POST("/api/users/me/password", { body: { currentPassword: newPassword, newPassword: changedPassword } });
if (changed.error) fail("change password", changed.error);
if (changed.response.status !== 204) fail(`change password: status ${changed.response.status}`);
const otherSession = await anonymous.POST("/api/auth/refresh", { body: { refreshToken: sessionB.data.refreshToken } });
if (otherSession.error === undefined) fail("refresh of the other session after a password change: expected 401, got a token pair");
const thisSession = await anonymous.POST("/api/auth/refresh", { body: { refreshToken: sessionA.data.refreshToken } });
if (thisSession.error) fail("refresh of this session after a password change", thisSession.error);
user = clientFor(thisSession.data.accessToken);
step("changePassword", { otherSession: otherSession.error.status, thisSession: thisSession.response.status });

// Delete my account: a wrong password is a typed 400 on `password`; the right one deletes, and the token no longer works.
const wrongPassword = await user.DELETE("/api/users/me", { body: { password: newPassword } });
if (wrongPassword.error === undefined) fail("delete with the old password: expected 400");
const passwordErrors: string[] = wrongPassword.error.errors?.["password"] ?? [];
if (wrongPassword.error.status !== 400 || passwordErrors.length === 0) fail("delete with the old password", wrongPassword.error);
const deleted = await user.DELETE("/api/users/me", { body: { password: changedPassword } });
if (deleted.error) fail("delete my account", deleted.error);
const meAfterDeletion = await user.GET("/api/users/me");
if (meAfterDeletion.error === undefined) fail("me after deletion: expected 401, got the account");
step("deleteMe", { status: deleted.response.status, meAfterDeletion: meAfterDeletion.error.status });

// An administrator deletes an account by id: 204, then the id is a typed 404.
const other = await anonymous.POST("/api/auth/register", { body: { email: `flow-${crypto.randomUUID()}@example.com`, password, displayName: "Flow Other" } });
if (other.error) fail("register other", other.error);
const removed = await admin.DELETE("/api/users/{id}", { params: { path: { id: other.data.id } } });
if (removed.error) fail("admin delete", removed.error);
const removedAgain = await admin.DELETE("/api/users/{id}", { params: { path: { id: other.data.id } } });
if (removedAgain.error === undefined) fail("admin delete again: expected 404");
if (removedAgain.error.status !== 404) fail("admin delete again", removedAgain.error);
step("adminDelete", { status: removed.response.status, again: removedAgain.error.status });
