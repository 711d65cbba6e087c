{{%AUTOESCAPE context="HTML"}}
{{!The sign-in form. MESSAGE is shown after a failed attempt.}}
<h1>Sign in</h1>
{{#MESSAGE}}<p class="message" role="alert">{{TEXT}}</p>{{/MESSAGE}}
<form method="post" action="/login">
<input type="hidden" name="csrf" value="{{CSRF}}">
{{#NEXT}}<input type="hidden" name="next" value="{{PATH}}">{{/NEXT}}
<p><label for="username">Username</label>
<input id="username" name="username" type="text" autocomplete="username" value="{{USERNAME}}" required autofocus></p>
<p><label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required></p>
<p><input id="remember" name="remember" type="checkbox" value="on">
<label for="remember">Remember me on this device</label></p>
<p><button type="submit">Sign in</button></p>
</form>
