package store

import (
	"crypto/md5"
	"crypto/pbkdf2"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"hash"
	"strconv"
	"strings"

	"golang.org/x/crypto/argon2"
	"golang.org/x/crypto/bcrypt"
)

// Passwords imported from upstream Patchwork keep Django's encoding
// ("algorithm$..."), checked here until their owner's first login replaces
// them with ours. The formats are those of django.contrib.auth.hashers.

// IsDjangoHash reports whether an encoded password is in one of Django's
// formats rather than ours (bcrypt's "$2...").
func IsDjangoHash(encoded string) bool {
	return encoded != "" && !strings.HasPrefix(encoded, "$")
}

// DjangoHashKnown reports whether checkDjangoPassword can verify the
// encoded password (the importer reports the others as bad data). It
// reads the format only: hashing would cost each user of an import a
// deliberately slow key derivation (260,000 rounds of PBKDF2 by default).
func DjangoHashKnown(encoded string) bool {
	_, err := parseDjangoHash(encoded)
	return err == nil
}

// checkDjangoPassword verifies password against a Django-encoded hash. The
// error is for a format it cannot read, never for a wrong password.
func checkDjangoPassword(encoded, password string) (bool, error) {
	verify, err := parseDjangoHash(encoded)
	if err != nil {
		return false, err
	}
	return verify(password)
}

// parseDjangoHash reads an encoded password; the function it returns
// checks a password against it.
func parseDjangoHash(encoded string) (func(password string) (bool, error), error) {
	algo, rest, ok := strings.Cut(encoded, "$")
	if !ok {
		// Django's unsalted MD5 may be stored bare, as 32 hex digits.
		if len(encoded) == 32 && isHex(encoded) {
			return digestCheck(md5.New, "", encoded), nil
		}
		return nil, fmt.Errorf("password hash: unknown format: %w", ErrInvalid)
	}
	switch algo {
	case "pbkdf2_sha256", "pbkdf2_sha1":
		iter, salt, b64, err := splitPBKDF2(rest)
		if err != nil {
			return nil, err
		}
		want, err := base64.StdEncoding.DecodeString(b64)
		if err != nil {
			return nil, fmt.Errorf("password hash %s: %w", algo, ErrInvalid)
		}
		h, n := sha256.New, sha256.Size
		if algo == "pbkdf2_sha1" {
			h, n = sha1.New, sha1.Size
		}
		return func(password string) (bool, error) {
			got, err := pbkdf2.Key(h, password, []byte(salt), iter, n)
			if err != nil {
				return false, fmt.Errorf("password hash %s: %w", algo, err)
			}
			return subtle.ConstantTimeCompare(got, want) == 1, nil
		}, nil
	case "bcrypt_sha256", "bcrypt":
		// "bcrypt_sha256$$2b$12$...": the bcrypt hash follows one '$'.
		b := strings.TrimPrefix(rest, "$")
		if !strings.HasPrefix(b, "2") {
			return nil, fmt.Errorf("password hash %s: %w", algo, ErrInvalid)
		}
		// Cost reads the hash as the comparison does, without hashing.
		if _, err := bcrypt.Cost([]byte("$" + b)); err != nil {
			return nil, fmt.Errorf("password hash %s: %w: %w", algo, ErrInvalid, err)
		}
		return func(password string) (bool, error) {
			secret := []byte(password)
			if algo == "bcrypt_sha256" {
				sum := sha256.Sum256(secret)
				secret = []byte(hex.EncodeToString(sum[:]))
			}
			err := bcrypt.CompareHashAndPassword([]byte("$"+b), secret)
			if err == bcrypt.ErrMismatchedHashAndPassword {
				return false, nil
			}
			if err != nil {
				return false, fmt.Errorf("password hash %s: %w: %w", algo, ErrInvalid, err)
			}
			return true, nil
		}, nil
	case "argon2":
		return parseArgon2(rest)
	case "md5", "sha1":
		salt, digest, ok := strings.Cut(rest, "$")
		if !ok || !isHex(digest) {
			return nil, fmt.Errorf("password hash %s: %w", algo, ErrInvalid)
		}
		h := md5.New
		if algo == "sha1" {
			h = sha1.New
		}
		return digestCheck(h, salt, digest), nil
	case "unsalted_md5", "unsalted_sha1":
		digest := strings.TrimPrefix(rest, "$")
		if !isHex(digest) {
			return nil, fmt.Errorf("password hash %s: %w", algo, ErrInvalid)
		}
		h := md5.New
		if algo == "unsalted_sha1" {
			h = sha1.New
		}
		return digestCheck(h, "", digest), nil
	}
	return nil, fmt.Errorf("password hash: unknown algorithm %q: %w", algo, ErrInvalid)
}

func splitPBKDF2(rest string) (int, string, string, error) {
	parts := strings.Split(rest, "$")
	if len(parts) != 3 {
		return 0, "", "", fmt.Errorf("password hash pbkdf2: want iterations$salt$hash: %w", ErrInvalid)
	}
	iter, err := strconv.Atoi(parts[0])
	if err != nil || iter < 1 {
		return 0, "", "", fmt.Errorf("password hash pbkdf2: bad iteration count: %w", ErrInvalid)
	}
	return iter, parts[1], parts[2], nil
}

// parseArgon2 reads Django's "argon2$argon2id$v=19$m=102400,t=2,p=8$SALT$HASH"
// (older Djangos wrote argon2i, and a form without the version).
func parseArgon2(rest string) (func(password string) (bool, error), error) {
	bad := func(what string) (func(string) (bool, error), error) {
		return nil, fmt.Errorf("password hash argon2: %s: %w", what, ErrInvalid)
	}
	parts := strings.Split(rest, "$")
	if len(parts) == 4 { // no "v=" part: version 0x10
		parts = append(parts[:1], append([]string{"v=16"}, parts[1:]...)...)
	}
	if len(parts) != 5 {
		return bad("want variant$v=N$m=,t=,p=$salt$hash")
	}
	variant := parts[0]
	if variant != "argon2id" && variant != "argon2i" {
		return bad("unsupported variant " + variant)
	}
	if parts[1] != "v=19" {
		return bad("unsupported version " + parts[1])
	}
	var m, t uint64
	var p uint64
	for _, kv := range strings.Split(parts[2], ",") {
		k, v, _ := strings.Cut(kv, "=")
		n, err := strconv.ParseUint(v, 10, 32)
		if err != nil {
			return bad("parameter " + kv)
		}
		switch k {
		case "m":
			m = n
		case "t":
			t = n
		case "p":
			p = n
		}
	}
	if m == 0 || t == 0 || p == 0 || p > 255 {
		return bad("parameters " + parts[2])
	}
	salt, err1 := base64.RawStdEncoding.DecodeString(strings.TrimRight(parts[3], "="))
	want, err2 := base64.RawStdEncoding.DecodeString(strings.TrimRight(parts[4], "="))
	if err1 != nil || err2 != nil || len(want) == 0 {
		return bad("salt or hash not base64")
	}
	return func(password string) (bool, error) {
		var got []byte
		if variant == "argon2id" {
			got = argon2.IDKey([]byte(password), salt, uint32(t), uint32(m), uint8(p), uint32(len(want)))
		} else {
			got = argon2.Key([]byte(password), salt, uint32(t), uint32(m), uint8(p), uint32(len(want)))
		}
		return subtle.ConstantTimeCompare(got, want) == 1, nil
	}, nil
}

// digestCheck checks passwords against a salted (or unsalted) digest.
func digestCheck(h func() hash.Hash, salt, digest string) func(string) (bool, error) {
	return func(password string) (bool, error) {
		d := h()
		d.Write([]byte(salt + password))
		got := hex.EncodeToString(d.Sum(nil))
		return subtle.ConstantTimeCompare([]byte(got), []byte(strings.ToLower(digest))) == 1, nil
	}
}

func isHex(s string) bool {
	_, err := hex.DecodeString(s)
	return err == nil && s != ""
}
