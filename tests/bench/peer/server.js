// make bench's peer: the dashboard (a views counter) on express 5 + express-session with sessions
// in PostgreSQL through connect-pg-simple, one process per core (node:cluster), behind the bench's nginx.
// Environment: PEER_PORT (on 127.0.0.1), PEER_SECRET, PGHOST/PGUSER/PGDATABASE (node-postgres),
// PEER_WORKERS (processes, default: cores).
'use strict';

const cluster = require('node:cluster');
const os = require('node:os');

// Escapes text for HTML, as tessera's templates do.
function escapeHtml(s) {
  return String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

// Serves the dashboard on PEER_PORT; one of these runs per worker process.
function serve() {
  const express = require('express');
  const session = require('express-session');
  const pg = require('pg');
  const PgStore = require('connect-pg-simple')(session);

  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', 'loopback');
  app.use(session({
    store: new PgStore({
      pool: new pg.Pool(),
      schemaName: 'peer',
      tableName: 'session',
      pruneSessionInterval: false,
    }),
    name: 'peer_session',
    secret: process.env.PEER_SECRET,
    resave: false,
    saveUninitialized: false,
    cookie: { httpOnly: true, sameSite: 'lax', maxAge: 24 * 3600 * 1000 },
  }));
  app.get('/dashboard', (req, res) => {
    if (!req.session.user) {
      res.redirect(303, '/');
      return;
    }
    req.session.views = (req.session.views || 0) + 1;
    res.set('Cache-Control', 'no-store');
    res.type('html').send('<!doctype html><title>Dashboard</title>' +
      `<h1>Welcome back, ${escapeHtml(req.session.user)}</h1>` +
      `<p>This page has been viewed <strong>${req.session.views}</strong> times in this session.</p>`);
  });
  app.listen(Number(process.env.PEER_PORT), '127.0.0.1');
}

if (cluster.isPrimary) {
  const n = Number(process.env.PEER_WORKERS || os.availableParallelism());
  for (let i = 0; i < n; i++) cluster.fork();
  cluster.on('exit', (worker, code) => {
    console.error(`peer: worker ${worker.process.pid} exited (${code})`);
    process.exit(1);
  });
} else {
  serve();
}
