-- The key set, as every resource server fetches it.
dofile("common.lua")
wrk.method = "GET"
wrk.path = env("JWKS_PATH")
