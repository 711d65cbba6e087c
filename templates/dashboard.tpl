{{%AUTOESCAPE context="HTML"}}
{{!The signed-in page: who you are, this session's view counter, where you are signed in, sign-out.}}
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
</ul>
<h2>Where you are signed in</h2>
<ul class="sessions">
{{#SESSION}}
<li class="session{{#THIS}} this{{/THIS}}" data-id="{{ID}}">
<strong class="browser">{{BROWSER}}</strong>{{#THIS}} <em>(this session)</em>{{/THIS}}<br>
from <span class="addr">{{ADDR}}</span>, started <time class="started" datetime="{{STARTED_ISO}}">{{STARTED}}</time>,
last seen <time class="last-seen" datetime="{{LAST_SEEN_ISO}}">{{LAST_SEEN}}</time>
{{#OTHER}}
<form method="post" action="/sessions/end">
<input type="hidden" name="csrf" value="{{CSRF}}">
<input type="hidden" name="id" value="{{ID}}">
<button type="submit">End this session</button>
</form>
{{/OTHER}}
</li>
{{/SESSION}}
</ul>
{{#OTHERS}}
<form method="post" action="/sessions/end-others">
<input type="hidden" name="csrf" value="{{CSRF}}">
<p><button type="submit">Sign out everywhere else</button></p>
</form>
{{/OTHERS}}
