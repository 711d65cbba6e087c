{{%AUTOESCAPE context="HTML"}}
{{!Re-authentication: the password (and a code, with a second factor) before a sensitive action, which the form then carries out.}}
<h1>Confirm it is you</h1>
<p>To {{WHAT}}, enter your password again{{#CODE}} and a code from your authenticator app{{/CODE}}.</p>
{{#MESSAGE}}<p class="message" role="alert">{{TEXT}}</p>{{/MESSAGE}}
<form method="post" action="{{PATH}}">
<input type="hidden" name="csrf" value="{{CSRF}}">
{{#ACTION}}<input type="hidden" name="action" value="{{VALUE}}">{{/ACTION}}
{{#NEXT}}<input type="hidden" name="next" value="{{VALUE}}">{{/NEXT}}
<p><label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required autofocus></p>
{{#CODE}}<p><label for="code">Code from your authenticator app</label>
<input id="code" name="code" type="text" inputmode="numeric" autocomplete="one-time-code" maxlength="7" required></p>{{/CODE}}
<p><button type="submit">Confirm</button></p>
</form>
<p><a href="/dashboard">Cancel</a></p>
