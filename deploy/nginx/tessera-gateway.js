// tessera gateway (njs, loaded by tessera-gateway.conf): where to send a visitor tessera refused.

// Returns the sign-in page's URL with the URI the visitor asked for as its percent-encoded next.
function signin(r) {
    return '/?next=' + encodeURIComponent(r.variables.request_uri);
}

// Returns the query of tessera's 403 page: which requirement failed (why, from /auth's
// X-Tessera-Denied) and the refused URI (next), where the step that supplies it leads back to.
function denied(r) {
    return 'why=' + encodeURIComponent(r.variables.tessera_denied || '') +
        '&next=' + encodeURIComponent(r.variables.request_uri);
}

export default { signin, denied };
