//! Who may use the web server: users (argon2id password hashes), API tokens and login sessions.
//!
//! No secret is stored in the clear. Passwords are argon2id hashes in PHC format; a token or a
//! session id is 32 random bytes shown to its owner once and stored only as its SHA-256 (a
//! random 256-bit secret needs no slow hash). Lookups compare hashes in constant time.
//! Expired sessions, sessions of disabled users and revoked tokens are refused here, so no
//! caller can forget to check.

use super::{Db, Error, codec, storage};
use argon2::password_hash::rand_core::{OsRng, RngCore};
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::fmt;
use subtle::ConstantTimeEq;

/// What a user or token may do; each role may do everything the ones below it may.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Reads accounts, sightings, sites and the watchlist.
    Viewer,
    /// Also reviews accounts.
    Reviewer,
    /// Also manages users, tokens and sites.
    Admin,
}

/// A user as callers see it: never the password hash.
#[derive(Serialize, Clone, Debug, PartialEq, Eq)]
pub struct User {
    pub name: String,
    pub role: Role,
    pub created_ms: u64,
    pub disabled: bool,
}

/// An API token as callers see it: never the secret nor its hash.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct Token {
    /// Public and stable: the part of the token before the secret; `token revoke ID` takes it.
    pub id: String,
    pub name: String,
    pub role: Role,
    pub created_ms: u64,
    pub last_used_ms: Option<u64>,
    pub revoked: bool,
}

/// A login session, found by the id in its cookie.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct Session {
    pub user: String,
    pub role: Role,
    /// The session's CSRF token, which every form POST must carry.
    pub csrf: String,
    pub created_ms: u64,
    pub expires_ms: u64,
}

/// A user as stored.
#[derive(Serialize, Deserialize)]
struct UserRecord {
    name: String,
    role: Role,
    /// argon2id, PHC string format.
    hash: String,
    created_ms: u64,
    disabled: bool,
}

/// A token as stored.
#[derive(Serialize, Deserialize)]
struct TokenRecord {
    #[serde(flatten)]
    token: Token,
    /// SHA-256 of the whole token, hex.
    sha256: String,
}

/// Every token starts with this, so that a leaked one is recognisable (secret scanners).
const TOKEN_PREFIX: &str = "otcw_";

/// How often `last_used_ms` of a token is written: at most once per this many ms, so that an
/// API client polling every second does not write on every request.
const LAST_USED_RESOLUTION_MS: u64 = 60_000;

/// A random password for `user add`: 24 characters of base64url (144 bits).
pub fn generate_password() -> Result<String, Error> {
    Ok(URL_SAFE_NO_PAD.encode(random_bytes::<18>()?))
}

impl Role {
    pub const ALL: [Role; 3] = [Role::Viewer, Role::Reviewer, Role::Admin];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Viewer => "viewer",
            Role::Reviewer => "reviewer",
            Role::Admin => "admin",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

impl std::str::FromStr for Role {
    type Err = String;

    fn from_str(s: &str) -> Result<Role, String> {
        Role::ALL
            .into_iter()
            .find(|role| role.as_str() == s)
            .ok_or_else(|| format!("unknown role '{s}': expected one of viewer, reviewer, admin"))
    }
}

impl Db {
    /// Adds a user with an argon2id hash of `password`. Refuses a name that exists.
    pub fn add_user(
        &self,
        name: &str,
        role: Role,
        password: &str,
        now_ms: u64,
    ) -> Result<User, Error> {
        check_name("user name", name)?;
        let hash = hash_password(password)?;
        let record =
            UserRecord { name: name.to_string(), role, hash, created_ms: now_ms, disabled: false };
        let value = codec::encode_json("user", &record)?;
        let previous = self
            .inner
            .users
            .compare_and_swap(name.as_bytes(), None as Option<&[u8]>, Some(value))
            .map_err(storage("write user"))?;
        if previous.is_err() {
            return Err(Error::Exists { what: "user", name: name.to_string() });
        }
        Ok(record.user())
    }

    /// Every user, by name.
    pub fn users(&self) -> Result<Vec<User>, Error> {
        let mut out = Vec::new();
        for item in self.inner.users.iter() {
            let (key, bytes) = item.map_err(storage("scan users"))?;
            out.push(codec::decode_json::<UserRecord>("users", &key, &bytes)?.user());
        }
        Ok(out)
    }

    /// Disables a user: their password and sessions stop working. Not reversible by design of
    /// the CLI; add the user again under a new name.
    pub fn disable_user(&self, name: &str) -> Result<User, Error> {
        let Some(mut record) = self.user_record(name)? else {
            return Err(Error::NotFound { what: "user", name: name.to_string() });
        };
        record.disabled = true;
        let value = codec::encode_json("user", &record)?;
        self.inner.users.insert(name.as_bytes(), value).map_err(storage("write user"))?;
        // A disabled user must stay disabled after a crash.
        self.flush()?;
        Ok(record.user())
    }

    /// The user whose password this is; `None` for an unknown or disabled user or a wrong
    /// password (callers must not tell these apart to the client). Takes as long for an
    /// unknown user as for a known one.
    pub fn verify_password(&self, name: &str, password: &str) -> Result<Option<User>, Error> {
        let record = if name.contains('\0') { None } else { self.user_record(name)? };
        let Some(record) = record else {
            // Spend the same time as a real check (one verification against a hash made
            // with the same parameters), so response times do not reveal names.
            let _ = verify(dummy_hash()?, password);
            return Ok(None);
        };
        let ok = verify(&record.hash, password);
        Ok((ok && !record.disabled).then(|| record.user()))
    }

    /// Creates an API token; returns it with the secret, which is shown once and never again.
    pub fn create_token(
        &self,
        name: &str,
        role: Role,
        now_ms: u64,
    ) -> Result<(Token, String), Error> {
        if !name.is_empty() {
            check_name("token name", name)?;
        }
        let id = hex(&random_bytes::<6>()?);
        let secret = URL_SAFE_NO_PAD.encode(random_bytes::<32>()?);
        let whole = format!("{TOKEN_PREFIX}{id}_{secret}");
        let token = Token {
            id: id.clone(),
            name: name.to_string(),
            role,
            created_ms: now_ms,
            last_used_ms: None,
            revoked: false,
        };
        let record = TokenRecord { token: token.clone(), sha256: sha256_hex(&whole) };
        let value = codec::encode_json("token", &record)?;
        self.inner.tokens.insert(id.as_bytes(), value).map_err(storage("write token"))?;
        Ok((token, whole))
    }

    /// Every token, by id, revoked ones included.
    pub fn tokens(&self) -> Result<Vec<Token>, Error> {
        let mut out = Vec::new();
        for item in self.inner.tokens.iter() {
            let (key, bytes) = item.map_err(storage("scan tokens"))?;
            out.push(codec::decode_json::<TokenRecord>("tokens", &key, &bytes)?.token);
        }
        Ok(out)
    }

    /// Revokes token `id`; it stays listed, marked revoked.
    pub fn revoke_token(&self, id: &str) -> Result<Token, Error> {
        let not_found = || Error::NotFound { what: "token", name: id.to_string() };
        if id.contains('\0') {
            return Err(not_found());
        }
        let bytes = self.inner.tokens.get(id.as_bytes()).map_err(storage("read token"))?;
        let Some(bytes) = bytes else { return Err(not_found()) };
        let mut record: TokenRecord = codec::decode_json("tokens", id.as_bytes(), &bytes)?;
        record.token.revoked = true;
        let value = codec::encode_json("token", &record)?;
        self.inner.tokens.insert(id.as_bytes(), value).map_err(storage("write token"))?;
        // A revoked token must stay revoked after a crash.
        self.flush()?;
        Ok(record.token)
    }

    /// The token this secret belongs to, unless it is unknown or revoked; notes its use.
    pub fn authenticate_token(&self, secret: &str, now_ms: u64) -> Result<Option<Token>, Error> {
        let Some(id) = token_id(secret) else { return Ok(None) };
        let bytes = self.inner.tokens.get(id.as_bytes()).map_err(storage("read token"))?;
        let Some(bytes) = bytes else { return Ok(None) };
        let mut record: TokenRecord = codec::decode_json("tokens", id.as_bytes(), &bytes)?;
        let matches: bool = record.sha256.as_bytes().ct_eq(sha256_hex(secret).as_bytes()).into();
        if !matches || record.token.revoked {
            return Ok(None);
        }
        let stale = record
            .token
            .last_used_ms
            .is_none_or(|last| now_ms.saturating_sub(last) >= LAST_USED_RESOLUTION_MS);
        if stale {
            record.token.last_used_ms = Some(now_ms);
            let value = codec::encode_json("token", &record)?;
            // Compare-and-swap: a concurrent revoke must not be overwritten by this note.
            let swapped = self
                .inner
                .tokens
                .compare_and_swap(id.as_bytes(), Some(bytes), Some(value))
                .map_err(storage("write token"))?;
            if swapped.is_err() {
                return self.authenticate_token_readonly(id, secret);
            }
        }
        Ok(Some(record.token))
    }

    /// Starts a session for `user` lasting `ttl_ms`; returns the id for the cookie (shown
    /// once; only its hash is stored) and the session.
    pub fn create_session(
        &self,
        user: &User,
        ttl_ms: u64,
        now_ms: u64,
    ) -> Result<(String, Session), Error> {
        let id = URL_SAFE_NO_PAD.encode(random_bytes::<32>()?);
        let session = Session {
            user: user.name.clone(),
            role: user.role,
            csrf: URL_SAFE_NO_PAD.encode(random_bytes::<32>()?),
            created_ms: now_ms,
            expires_ms: now_ms.saturating_add(ttl_ms),
        };
        let value = codec::encode_json("session", &session)?;
        self.inner.sessions.insert(sha256_hex(&id), value).map_err(storage("write session"))?;
        self.purge_sessions(now_ms)?;
        Ok((id, session))
    }

    /// Deletes every expired session; returns how many. Called at each login, so sessions
    /// that are never presented again do not pile up (logins are rare and rate limited).
    pub fn purge_sessions(&self, now_ms: u64) -> Result<usize, Error> {
        let mut purged = 0;
        for item in self.inner.sessions.iter() {
            let (key, bytes) = item.map_err(storage("scan sessions"))?;
            let session: Session = codec::decode_json("sessions", &key, &bytes)?;
            if session.expires_ms <= now_ms {
                self.inner.sessions.remove(&key).map_err(storage("delete session"))?;
                purged += 1;
            }
        }
        Ok(purged)
    }

    /// The live session with this cookie id: `None` if unknown, expired (it is then deleted)
    /// or its user has been disabled since.
    pub fn session(&self, id: &str, now_ms: u64) -> Result<Option<Session>, Error> {
        let key = sha256_hex(id);
        let bytes = self.inner.sessions.get(&key).map_err(storage("read session"))?;
        let Some(bytes) = bytes else { return Ok(None) };
        let session: Session = codec::decode_json("sessions", key.as_bytes(), &bytes)?;
        if session.expires_ms <= now_ms {
            self.inner.sessions.remove(&key).map_err(storage("delete session"))?;
            return Ok(None);
        }
        let live = self.user_record(&session.user)?.is_some_and(|user| !user.disabled);
        Ok(live.then_some(session))
    }

    /// Ends a session (logout). Unknown ids are ignored.
    pub fn delete_session(&self, id: &str) -> Result<(), Error> {
        self.inner.sessions.remove(sha256_hex(id)).map_err(storage("delete session"))?;
        Ok(())
    }

    fn user_record(&self, name: &str) -> Result<Option<UserRecord>, Error> {
        let bytes = self.inner.users.get(name.as_bytes()).map_err(storage("read user"))?;
        bytes.map(|bytes| codec::decode_json("users", name.as_bytes(), &bytes)).transpose()
    }

    /// [`Db::authenticate_token`] after losing a race with another writer: read again and
    /// decide without writing.
    fn authenticate_token_readonly(&self, id: &str, secret: &str) -> Result<Option<Token>, Error> {
        let bytes = self.inner.tokens.get(id.as_bytes()).map_err(storage("read token"))?;
        let Some(bytes) = bytes else { return Ok(None) };
        let record: TokenRecord = codec::decode_json("tokens", id.as_bytes(), &bytes)?;
        let matches: bool = record.sha256.as_bytes().ct_eq(sha256_hex(secret).as_bytes()).into();
        Ok((matches && !record.token.revoked).then_some(record.token))
    }
}

impl UserRecord {
    fn user(&self) -> User {
        User {
            name: self.name.clone(),
            role: self.role,
            created_ms: self.created_ms,
            disabled: self.disabled,
        }
    }
}

/// The id part of `otcw_<id>_<secret>`.
fn token_id(token: &str) -> Option<&str> {
    let rest = token.strip_prefix(TOKEN_PREFIX)?;
    let (id, secret) = rest.split_once('_')?;
    let valid = id.len() == 12 && id.bytes().all(|b| b.is_ascii_hexdigit()) && !secret.is_empty();
    valid.then_some(id)
}

/// A user or token name: 1 to 64 characters of letters, digits, `.`, `_`, `-` and `@`.
fn check_name(what: &'static str, name: &str) -> Result<(), Error> {
    let ok = (1..=64).contains(&name.chars().count())
        && name.chars().all(|c| c.is_alphanumeric() || matches!(c, '.' | '_' | '-' | '@'));
    if ok {
        Ok(())
    } else {
        Err(Error::Invalid {
            what,
            reason: format!(
                "{name:?} is not a valid name: use 1 to 64 letters, digits, '.', '_', '-' or '@'"
            ),
        })
    }
}

fn hash_password(password: &str) -> Result<String, Error> {
    let salt = SaltString::generate(&mut OsRng);
    let hash = argon2::Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map_err(|error| Error::Invalid { what: "password", reason: error.to_string() })?;
    Ok(hash.to_string())
}

/// A hash of a fixed password, made once, for checks of users that do not exist.
fn dummy_hash() -> Result<&'static str, Error> {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    if let Some(hash) = DUMMY.get() {
        return Ok(hash);
    }
    let hash = hash_password("otcwatch: no such user")?;
    Ok(DUMMY.get_or_init(|| hash))
}

fn verify(hash: &str, password: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|parsed| {
        argon2::Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok()
    })
}

fn random_bytes<const N: usize>() -> Result<[u8; N], Error> {
    let mut bytes = [0; N];
    OsRng
        .try_fill_bytes(&mut bytes)
        .map_err(|error| Error::Storage { op: "generate a random secret", source: error.into() })?;
    Ok(bytes)
}

fn sha256_hex(text: &str) -> String {
    hex(&Sha256::digest(text.as_bytes()))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn open() -> (tempfile::TempDir, Db) {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(&dir.path().join("db")).unwrap();
        (dir, db)
    }

    #[test]
    fn passwords_verify_and_disabled_users_are_refused() {
        let (_dir, db) = open();
        db.add_user("ana", Role::Reviewer, "right horse", 1).unwrap();
        assert!(matches!(
            db.add_user("ana", Role::Admin, "x", 2),
            Err(Error::Exists { what: "user", .. })
        ));
        let user = db.verify_password("ana", "right horse").unwrap().unwrap();
        assert_eq!((user.name.as_str(), user.role), ("ana", Role::Reviewer));
        assert_eq!(db.verify_password("ana", "wrong").unwrap(), None);
        assert_eq!(db.verify_password("bob", "right horse").unwrap(), None);
        let (id, _) = db.create_session(&user, 1000, 10).unwrap();
        assert!(db.session(&id, 11).unwrap().is_some());
        db.disable_user("ana").unwrap();
        assert_eq!(db.verify_password("ana", "right horse").unwrap(), None);
        assert_eq!(db.session(&id, 11).unwrap(), None, "a disabled user's session ends");
        assert!(matches!(db.add_user("a b", Role::Viewer, "x", 1), Err(Error::Invalid { .. })));
    }

    #[test]
    fn only_a_hash_of_the_password_is_stored() {
        let (_dir, db) = open();
        db.add_user("ana", Role::Viewer, "s3cret-pass", 1).unwrap();
        let stored = db.inner.users.get("ana").unwrap().unwrap();
        let text = String::from_utf8_lossy(&stored);
        assert!(!text.contains("s3cret-pass"));
        assert!(text.contains("$argon2id$"), "{text}");
    }

    #[test]
    fn tokens_authenticate_until_revoked_and_store_no_secret() {
        let (_dir, db) = open();
        let (token, secret) = db.create_token("siem", Role::Viewer, 5).unwrap();
        assert!(secret.starts_with("otcw_"));
        let found = db.authenticate_token(&secret, 6).unwrap().unwrap();
        assert_eq!((found.id.as_str(), found.last_used_ms), (token.id.as_str(), Some(6)));
        let stored = db.inner.tokens.get(&token.id).unwrap().unwrap();
        assert!(!String::from_utf8_lossy(&stored).contains(&secret[17..]));
        let mut tampered = secret.clone();
        tampered.push('x');
        assert_eq!(db.authenticate_token(&tampered, 7).unwrap(), None);
        assert_eq!(db.authenticate_token("garbage", 7).unwrap(), None);
        assert!(db.revoke_token(&token.id).unwrap().revoked);
        assert_eq!(db.authenticate_token(&secret, 8).unwrap(), None);
        assert!(matches!(db.revoke_token("nope"), Err(Error::NotFound { .. })));
        let long = "x".repeat(65);
        assert!(matches!(db.create_token(&long, Role::Viewer, 1), Err(Error::Invalid { .. })));
        assert_eq!(db.tokens().unwrap().len(), 1);
    }

    #[test]
    fn expired_sessions_are_refused_and_deleted() {
        let (_dir, db) = open();
        let user = db.add_user("ana", Role::Admin, "pw", 1).unwrap();
        let (id, session) = db.create_session(&user, 100, 1000).unwrap();
        assert_eq!(session.expires_ms, 1100);
        assert_eq!(db.session(&id, 1099).unwrap().unwrap().csrf, session.csrf);
        assert_eq!(db.session(&id, 1100).unwrap(), None);
        assert!(db.inner.sessions.is_empty());
        let (id, _) = db.create_session(&user, 100, 1000).unwrap();
        db.delete_session(&id).unwrap();
        assert_eq!(db.session(&id, 1001).unwrap(), None);
        // Sessions never presented again are purged at the next login.
        db.create_session(&user, 100, 1000).unwrap();
        db.create_session(&user, 100, 5000).unwrap();
        assert_eq!(db.inner.sessions.len(), 1);
    }
}
