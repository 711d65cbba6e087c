{{%AUTOESCAPE context="HTML"}}
{{!The sign-in's second step: a code from the authenticator app, or one recovery code.}}
<h1>Two-step verification</h1>
{{#MESSAGE}}<p class="message" role="alert">{{TEXT}}</p>{{/MESSAGE}}
<form method="post" action="/login/code">
<input type="hidden" name="csrf" value="{{CSRF}}">
{{#NEXT}}<input type="hidden" name="next" value="{{PATH}}">{{/NEXT}}
<p><label for="code">Code from your authenticator app</label>
<input id="code" name="code" type="text" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9 ]{6,7}" maxlength="7" required autofocus></p>
<p><button type="submit">Verify</button></p>
</form>
<details>
<summary>Lost your phone? Use a recovery code</summary>
<form method="post" action="/login/code">
<input type="hidden" name="csrf" value="{{CSRF}}">
{{#NEXT}}<input type="hidden" name="next" value="{{PATH}}">{{/NEXT}}
<p><label for="recovery">Recovery code</label>
<input id="recovery" name="recovery" type="text" autocomplete="off" spellcheck="false" required></p>
<p><button type="submit">Use recovery code</button></p>
</form>
</details>
