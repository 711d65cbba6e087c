{{%AUTOESCAPE context="HTML"}}
{{!Two-step verification: off (a button to begin), being set up (the key as text and as a QR code, a code to confirm), on (a button to turn it off); recovery codes once, right after set-up. NEXT: where a protected page sent the visitor, carried by the forms.}}
<h1>Two-step verification</h1>
{{#MESSAGE}}<p class="message" role="alert">{{TEXT}}</p>{{/MESSAGE}}
{{#CODES}}
<h2>Your recovery codes</h2>
<p role="status">Two-step verification is on. Keep these codes somewhere safe: each one signs you in once if you lose your phone. They are shown only now.</p>
<ul class="recovery-codes">
{{#CODE}}<li><code>{{VALUE}}</code></li>{{/CODE}}
</ul>
{{/CODES}}
{{#OFF}}
<p>Two-step verification is <strong>off</strong>. With it on, signing in also needs a code from an authenticator app on your phone.</p>
<form method="post" action="/account/2fa">
<input type="hidden" name="csrf" value="{{CSRF}}">
<input type="hidden" name="action" value="begin">
<input type="hidden" name="next" value="{{NEXT}}">
<p><button type="submit">Set up two-step verification</button></p>
</form>
{{/OFF}}
{{#SETUP}}
<p>Scan this QR code with your authenticator app, or type the key below into it.</p>
<svg class="qr" role="img" aria-labelledby="qr-title" viewBox="0 0 {{QR_SIZE}} {{QR_SIZE}}" width="200" height="200" shape-rendering="crispEdges">
<title id="qr-title">QR code of your two-step verification key (the same key is written below)</title>
<rect width="{{QR_SIZE}}" height="{{QR_SIZE}}" fill="#fff"/>
<path d="{{QR_PATH}}" fill="#000"/>
</svg>
<p>Key: <code class="totp-secret">{{SECRET}}</code> (time-based, 6 digits, every 30 seconds)</p>
<form method="post" action="/account/2fa">
<input type="hidden" name="csrf" value="{{CSRF}}">
<input type="hidden" name="action" value="confirm">
<input type="hidden" name="next" value="{{NEXT}}">
<p><label for="code">Code from your authenticator app</label>
<input id="code" name="code" type="text" inputmode="numeric" autocomplete="one-time-code" maxlength="7" required></p>
<p><button type="submit">Turn on</button></p>
</form>
{{/SETUP}}
{{#ENROLLED}}
<p>Two-step verification is <strong>on</strong>.</p>
{{#PROVE}}<p>This session was signed in with your password only. <a href="{{HREF}}">Confirm it is you with a code</a> to count it as signed in with two steps.</p>{{/PROVE}}
{{#BACK}}<p><a href="{{HREF}}">Continue to the page you asked for</a></p>{{/BACK}}
<form method="post" action="/account/2fa">
<input type="hidden" name="csrf" value="{{CSRF}}">
<input type="hidden" name="action" value="remove">
<p><button type="submit">Turn off two-step verification</button></p>
</form>
{{/ENROLLED}}
<p><a href="/dashboard">Back to your dashboard</a></p>
