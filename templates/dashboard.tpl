{{%AUTOESCAPE context="HTML"}}
{{!The signed-in page: who you are, this session's view counter, sign-out.}}
<h1>Welcome back, {{USERNAME}}</h1>
<p>This page has been viewed <strong class="views">{{VIEWS}}</strong> times in this session.</p>
<p>Signed in since <time datetime="{{CREATED_ISO}}">{{CREATED}}</time>.</p>
<form method="post" action="/logout">
<input type="hidden" name="csrf" value="{{CSRF}}">
<p><button type="submit">Sign out</button></p>
</form>
