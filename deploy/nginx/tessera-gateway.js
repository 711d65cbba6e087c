// tessera gateway (njs, loaded by tessera-gateway.conf): where to send a visitor tessera refused.

// Returns the sign-in page's URL with the URI the visitor asked for as its percent-encoded next.
function signin(r) {
    return '/?next=' + encodeURIComponent(r.variables.request_uri);
}

export default { signin };
