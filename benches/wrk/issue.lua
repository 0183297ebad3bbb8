-- client_credentials issuance: one static request, so wrk builds it once.
dofile("common.lua")
wrk.method = "POST"
wrk.path = env("TOKEN_PATH")
wrk.headers = headers()
wrk.body = env("BODY")
