{{%AUTOESCAPE context="HTML"}}
{{!Every error answer: the status, a sentence, the step that would help (if any), and a way back.}}
<h1>{{STATUS}} {{REASON}}</h1>
<p>{{MESSAGE}}</p>
{{#STEP}}<p><a href="{{HREF}}">{{TEXT}}</a></p>{{/STEP}}
<p><a href="/">Go to the sign-in page</a></p>
