{{%AUTOESCAPE context="HTML"}}
{{!The signed-in user's sessions: this one marked, each other endable, or all others at once.}}
<h1>Where you are signed in</h1>
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
<p><a href="/dashboard">Back to the dashboard</a></p>
