-- One email identity rule (Features/Users/UserAccounts.cs): an address's key is its Unicode NFKC form with the
-- ASCII letters A-Z lower-cased. It replaces lower(email), whose result depends on the database's collation and
-- differed from what the sign-in rate limiter folded: the Kelvin sign and other spellings reached one account
-- with limits of their own. The rule lives here only, as a function: the key column is generated from it, and
-- the service asks it for the key of an address at sign-in (the service runs with invariant globalization,
-- where .NET does not normalise).
CREATE FUNCTION email_identity_key(email text) RETURNS text
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    RETURN translate(normalize(email, NFKC), 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz');

ALTER TABLE users
    ADD COLUMN email_key text GENERATED ALWAYS AS (email_identity_key(email)) STORED,
    ADD COLUMN email_key_shadowed boolean NOT NULL DEFAULT false;

-- Accounts that were two under lower(email) but are one under the rule (a compatibility spelling registered
-- beside the plain one): the earliest keeps the address; the later ones keep their rows but no address reaches
-- them any more at sign-in, so no address reaches two accounts.
WITH ranked AS (
    SELECT id, row_number() OVER (PARTITION BY email_key ORDER BY created_at, id) AS position FROM users
)
UPDATE users SET email_key_shadowed = true FROM ranked WHERE users.id = ranked.id AND ranked.position > 1;

DROP INDEX users_email_lower_key;
CREATE UNIQUE INDEX users_email_key ON users (email_key) WHERE NOT email_key_shadowed;
