UPDATE signing_keys SET private_key_sealed = $1 WHERE kid = $2
