"""Authlib (PyPI) against sigil: the relying party's flows from Python, and RFC 9068
validation of sigil's access tokens against /jwks.json, as a resource server does it."""

import html
import os
import re
import secrets
import unittest
from urllib.parse import parse_qs, urljoin, urlsplit

import requests
from authlib.common.security import generate_token
from authlib.integrations.requests_client import OAuth2Session
from authlib.oauth2.rfc9068 import JWTBearerTokenValidator
from authlib.oidc.core import CodeIDToken
from joserfc import jwt
from joserfc.jwk import KeySet

ISSUER = os.environ["SIGIL_ISSUER"]
CLIENT_ID = os.environ["RP_CLIENT_ID"]
CLIENT_SECRET = os.environ["RP_CLIENT_SECRET"]
REDIRECT_URI = os.environ["RP_REDIRECT_URI"]
POST_LOGOUT = os.environ["RP_POST_LOGOUT_URI"]
USERNAME = os.environ["RP_USERNAME"]
PASSWORD = os.environ["RP_PASSWORD"]

HIDDEN = re.compile(r'<input type="hidden" name="([^"]*)" value="([^"]*)">')


def query(url):
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


class SigilJWTValidator(JWTBearerTokenValidator):
    """A resource server: sigil's JWKS, fetched from discovery's jwks_uri."""

    def __init__(self, metadata):
        # sigil names itself as the audience of its access tokens.
        super().__init__(issuer=metadata["issuer"], resource_server=metadata["issuer"])
        self.jwks_uri = metadata["jwks_uri"]

    def get_jwks(self):
        return KeySet.import_key_set(requests.get(self.jwks_uri, timeout=5).json())


class AuthlibRelyingParty(unittest.TestCase):
    """The steps share one browser and one set of tokens, so they run in order."""

    @classmethod
    def setUpClass(cls):
        res = requests.get(f"{ISSUER}/.well-known/openid-configuration", timeout=5)
        res.raise_for_status()
        cls.meta = res.json()
        cls.browser = requests.Session()
        cls.client = OAuth2Session(
            CLIENT_ID,
            CLIENT_SECRET,
            scope="openid profile email read",
            redirect_uri=REDIRECT_URI,
            code_challenge_method="S256",
        )

    def sign_in(self, **extra):
        """Code + PKCE with sigil's login form filled in (or, while signed in, none);
        returns (token, nonce)."""
        verifier = generate_token(48)
        nonce = secrets.token_urlsafe(16)
        url, state = self.client.create_authorization_url(
            self.meta["authorization_endpoint"], code_verifier=verifier, nonce=nonce, **extra
        )
        res = self.browser.get(url, allow_redirects=False, timeout=5)
        if res.status_code == 200:
            self.assertIn('<label for="password">', res.text)
            fields = [(html.unescape(n), html.unescape(v)) for n, v in HIDDEN.findall(res.text)]
            fields += [("username", USERNAME), ("password", PASSWORD)]
            res = self.browser.post(
                urljoin(url, "/login"), data=fields, allow_redirects=False, timeout=5
            )
        self.assertEqual(res.status_code, 303, res.text)
        callback = res.headers["location"]
        self.assertTrue(callback.startswith(REDIRECT_URI))
        self.assertEqual(query(callback)["state"], state)
        token = self.client.fetch_token(
            self.meta["token_endpoint"],
            authorization_response=callback,
            code_verifier=verifier,
        )
        return token, nonce

    def id_token_claims(self, token, nonce):
        keys = KeySet.import_key_set(requests.get(self.meta["jwks_uri"], timeout=5).json())
        decoded = jwt.decode(token["id_token"], keys)
        claims = CodeIDToken(
            decoded.claims,
            decoded.header,
            {"iss": {"value": self.meta["issuer"]}},
            {"nonce": nonce, "client_id": CLIENT_ID, "access_token": token["access_token"]},
        )
        # Checks iss, aud, exp, iat, nonce, azp and at_hash (OIDC Core §3.1.3.7).
        claims.validate(leeway=5)
        return claims

    def test_1_code_pkce_and_the_id_token(self):
        self.assertFalse(self.browser.cookies, "a browser not yet signed in")
        token, nonce = self.sign_in()
        claims = self.id_token_claims(token, nonce)
        self.assertEqual(claims["name"], "Alice Example")
        self.assertEqual(claims["email"], "alice@example.com")
        self.assertTrue(claims["email_verified"])
        self.assertIn("refresh_token", token)
        type(self).token = token

    def test_2_access_token_is_an_rfc9068_jwt_a_resource_server_accepts(self):
        validator = SigilJWTValidator(self.meta)
        claims = validator.authenticate_token(self.token["access_token"])
        self.assertEqual(claims.header["typ"].lower(), "at+jwt")
        validator.validate_token(claims, ["read"], None)
        self.assertEqual(claims["client_id"], CLIENT_ID)
        # A token for another audience, or signed by another key, is refused.
        other = SigilJWTValidator({**self.meta, "issuer": "https://elsewhere.example"})
        with self.assertRaises(Exception):
            other.validate_token(other.authenticate_token(self.token["access_token"]), [], None)
        forged = self.token["access_token"][:-4] + ("AAAA" if not self.token["access_token"].endswith("AAAA") else "BBBB")
        with self.assertRaises(Exception):
            validator.authenticate_token(forged)

    def test_3_userinfo(self):
        res = self.client.get(self.meta["userinfo_endpoint"], timeout=5)
        self.assertEqual(res.status_code, 200)
        self.assertEqual(res.json()["preferred_username"], USERNAME)

    def test_4_refresh_rotates(self):
        old = self.token["refresh_token"]
        new = self.client.refresh_token(self.meta["token_endpoint"], refresh_token=old)
        self.assertNotEqual(new["refresh_token"], old)
        spent = self.client.introspect_token(self.meta["introspection_endpoint"], token=old)
        self.assertFalse(spent.json()["active"])
        type(self).token = new

    def test_5_introspection_and_revocation(self):
        access = self.token["access_token"]
        live = self.client.introspect_token(self.meta["introspection_endpoint"], token=access)
        self.assertTrue(live.json()["active"])
        res = self.client.revoke_token(self.meta["revocation_endpoint"], token=access)
        self.assertEqual(res.status_code, 200)
        dead = self.client.introspect_token(self.meta["introspection_endpoint"], token=access)
        self.assertFalse(dead.json()["active"])
        res = requests.get(
            self.meta["userinfo_endpoint"],
            headers={"Authorization": f"Bearer {access}"},
            timeout=5,
        )
        self.assertEqual(res.status_code, 401)
        self.assertIn("invalid_token", res.headers["www-authenticate"])

    def test_6_logout(self):
        token, _ = self.sign_in()
        state = secrets.token_urlsafe(8)
        res = self.browser.get(
            self.meta["end_session_endpoint"],
            params={
                "id_token_hint": token["id_token"],
                "post_logout_redirect_uri": POST_LOGOUT,
                "state": state,
            },
            allow_redirects=False,
            timeout=5,
        )
        self.assertEqual(res.status_code, 303)
        self.assertTrue(res.headers["location"].startswith(POST_LOGOUT))
        self.assertEqual(query(res.headers["location"])["state"], state)
        url, _ = self.client.create_authorization_url(
            self.meta["authorization_endpoint"],
            code_verifier=generate_token(48),
            nonce="n",
            prompt="none",
        )
        silent = self.browser.get(url, allow_redirects=False, timeout=5)
        self.assertEqual(query(silent.headers["location"])["error"], "login_required")


if __name__ == "__main__":
    unittest.main(verbosity=2)
