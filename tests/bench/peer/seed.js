// make bench's peer: stores one express-session session per bench user (as a sign-in would have
// left it) and prints each one's signed cookie, "peer_session=...", one per line.
// Usage: node seed.js USERS (PEER_SECRET and PGHOST/PGUSER/PGDATABASE from the environment).
'use strict';

const crypto = require('node:crypto');
const signature = require('cookie-signature');
const pg = require('pg');

// Creates connect-pg-simple's table (its own table.sql) and one session per user bench1..N.
async function main() {
  const users = Number(process.argv[2]);
  const client = new pg.Client();
  await client.connect();
  await client.query(`CREATE SCHEMA IF NOT EXISTS peer;
    CREATE TABLE IF NOT EXISTS peer.session (sid varchar NOT NULL COLLATE "default",
      sess json NOT NULL, expire timestamp(6) NOT NULL, PRIMARY KEY (sid));
    CREATE INDEX IF NOT EXISTS "IDX_session_expire" ON peer.session (expire);`);
  const maxAge = 24 * 3600 * 1000;
  const expires = new Date(Date.now() + maxAge);
  const rows = [];
  const cookies = [];
  for (let i = 1; i <= users; i++) {
    const sid = crypto.randomBytes(24).toString('base64url');
    rows.push([sid, JSON.stringify({
      cookie: { originalMaxAge: maxAge, expires, httpOnly: true, path: '/', sameSite: 'lax' },
      user: `bench${i}`,
    }), expires]);
    cookies.push('peer_session=' + encodeURIComponent('s:' + signature.sign(sid, process.env.PEER_SECRET)));
  }
  await client.query(`INSERT INTO peer.session (sid, sess, expire)
    SELECT * FROM unnest($1::varchar[], $2::json[], $3::timestamp[])`,
  [rows.map((r) => r[0]), rows.map((r) => r[1]), rows.map((r) => r[2])]);
  await client.query('ANALYZE peer.session');
  await client.end();
  process.stdout.write(cookies.join('\n') + '\n');
}

main().catch((e) => {
  console.error(`seed: ${e.message}`);
  process.exit(1);
});
