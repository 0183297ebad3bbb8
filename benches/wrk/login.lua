-- The login form's POST, as a browser sends it after GET /authorize: the CSRF cookie in
-- COOKIE and the same token in BODY with the username and password.
dofile("common.lua")
wrk.method = "POST"
wrk.path = env("LOGIN_PATH")
wrk.headers = headers()
wrk.body = env("BODY")
