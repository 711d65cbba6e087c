{{%AUTOESCAPE context="HTML"}}
{{!Password change: the current password (and a code when a second factor is on and the sign-in is not recent), the new one twice.}}
<h1>Change your password</h1>
{{#MESSAGE}}<p class="message" role="alert">{{TEXT}}</p>{{/MESSAGE}}
{{#DONE}}<p class="done" role="status">{{TEXT}}</p>{{/DONE}}
<form method="post" action="/account/password">
<input type="hidden" name="csrf" value="{{CSRF}}">
<p><label for="current">Current password</label>
<input id="current" name="current" type="password" autocomplete="current-password" required></p>
{{#CODE}}<p><label for="code">Code from your authenticator app</label>
<input id="code" name="code" type="text" inputmode="numeric" autocomplete="one-time-code" maxlength="7" required></p>{{/CODE}}
<p><label for="new">New password (at least {{MIN}} characters)</label>
<input id="new" name="new" type="password" autocomplete="new-password" minlength="{{MIN}}" required></p>
<p><label for="again">New password again</label>
<input id="again" name="again" type="password" autocomplete="new-password" minlength="{{MIN}}" required></p>
<p><button type="submit">Change password</button></p>
</form>
<p><a href="/dashboard">Back to your dashboard</a></p>
