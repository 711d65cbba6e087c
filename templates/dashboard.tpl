{{%AUTOESCAPE context="HTML"}}
{{!The signed-in page: who you are, this session's view counter, sign-out, a link to the session list.}}
<h1>Welcome back, {{USERNAME}}</h1>
<p>This page has been viewed <strong class="views">{{VIEWS}}</strong> {{TIMES}} in this session.</p>
<p>Signed in since <time datetime="{{CREATED_ISO}}">{{CREATED}}</time>.</p>
<form method="post" action="/logout">
<input type="hidden" name="csrf" value="{{CSRF}}">
<p><button type="submit">Sign out</button></p>
</form>
<h2>Your account</h2>
<ul class="account">
<li><a href="/account/password">Change your password</a></li>
<li><a href="/account/2fa">Two-step verification</a>: <span class="assurance">{{ASSURANCE}}</span></li>
<li><a href="/account/tokens">Your API tokens</a></li>
</ul>
<p><a href="/sessions">Where you are signed in</a></p>
