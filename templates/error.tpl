{{%AUTOESCAPE context="HTML"}}
{{!Every error answer: the status, a sentence, and a way back.}}
<h1>{{STATUS}} {{REASON}}</h1>
<p>{{MESSAGE}}</p>
<p><a href="/">Go to the sign-in page</a></p>
