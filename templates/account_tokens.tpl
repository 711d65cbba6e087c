{{%AUTOESCAPE context="HTML"}}
{{!The signed-in user's API tokens (never the token itself): label, when made, last used, expiry, a revoke button each.}}
<h1>Your API tokens</h1>
<p>Scripts use these tokens to act as you at the gateway. An administrator makes them; revoke one you no longer need, or one that may have leaked: it stops working at once.</p>
{{#NONE}}<p class="tokens-none">You have no API tokens.</p>{{/NONE}}
{{#TOKENS}}
<table class="tokens">
<caption>API tokens</caption>
<thead><tr><th scope="col">Label</th><th scope="col">Created</th><th scope="col">Last used</th><th scope="col">Expires</th><th scope="col">Action</th></tr></thead>
<tbody>
{{#TOKEN}}
<tr data-id="{{ID}}">
<th scope="row" class="label">{{LABEL}}</th>
<td>{{CREATED}}</td>
<td>{{LAST_USED}}</td>
<td>{{EXPIRES}}</td>
<td><form method="post" action="/account/tokens/revoke">
<input type="hidden" name="csrf" value="{{CSRF}}">
<input type="hidden" name="id" value="{{ID}}">
<button type="submit" aria-label="Revoke {{LABEL}}">Revoke</button>
</form></td>
</tr>
{{/TOKEN}}
</tbody>
</table>
{{/TOKENS}}
<p><a href="/dashboard">Back to your dashboard</a></p>
