{{%AUTOESCAPE context="HTML"}}
{{!The frame of every page: the page itself is included as BODY.}}
<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{TITLE}} · tessera</title>
<link rel="stylesheet" href="/static/style.css">
</head>
<body>
<header><p class="brand">tessera</p></header>
<main>
{{>BODY}}
</main>
</body>
</html>
