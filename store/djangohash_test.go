package store

import "testing"

// djangoVectors were made by Django 3.2's own make_password("lètmein",
// hasher=NAME) (Debian's python3-django with python3-argon2 and
// python3-bcrypt), so they check our reading against Django's writing.
var djangoVectors = [][2]string{
	{"pbkdf2_sha256", "pbkdf2_sha256$260000$9QxqSvr3rqBVY3JGLfDBuP$DgQ7TSesHhblvC+NN1Np6WxBXQE4mzXCL7K8K8S1YrY="},
	{"pbkdf2_sha1", "pbkdf2_sha1$260000$VxJaVzAGQg0PjNgkiAABwQ$4EzRa6sFiKpgqDDmU4xhC/G+SL0="},
	{"argon2", "argon2$argon2id$v=19$m=102400,t=2,p=8$emtvQkVNMU5xS0xBN1R4N0F3T1ZiWg$zdL5vX95zA1I93tk8pOpEw"},
	{"bcrypt_sha256", "bcrypt_sha256$$2b$12$9GZ9Pf0eoAj4ISh0QUCHe.iKYxnTrrpETCn4BpzC6l25rVJVLK30a"},
	{"bcrypt", "bcrypt$$2b$12$mVOUM/53H4f6L6bxXtkfEOrqGX0Om.S/bxXEo13FgBBvffVybbbqO"},
	{"md5", "md5$MJIuKRnn5xv00WgrJOE9uF$e800b536be231c975b7a1367c70df37d"},
	{"sha1", "sha1$j4aG7l3PSqRpdB3mdqQ5gq$fe523ac8c3400cd416298e063155e484e943573d"},
	{"unsalted_md5", "88a434c88cca4e900f7874cd98123f43"},
	{"unsalted_sha1", "sha1$$6d138ca3ae545631b3abd71a4f076ce759c5700b"},
}

func TestDjangoPasswordFormats(t *testing.T) {
	for _, v := range djangoVectors {
		t.Run(v[0], func(t *testing.T) {
			if !IsDjangoHash(v[1]) || !DjangoHashKnown(v[1]) {
				t.Fatalf("%s not recognised", v[1])
			}
			ok, err := checkDjangoPassword(v[1], "lètmein")
			if err != nil || !ok {
				t.Fatalf("right password: %v, %v", ok, err)
			}
			ok, err = checkDjangoPassword(v[1], "letmein")
			if err != nil || ok {
				t.Fatalf("wrong password: %v, %v", ok, err)
			}
		})
	}
}

func TestDjangoPasswordUnknownFormats(t *testing.T) {
	for _, h := range []string{"crypt$$abc", "!unusable", "pbkdf2_sha256$x$salt$hash", "argon2$argon2d$v=19$m=8,t=1,p=1$c2FsdHNhbHQ$aGFzaA",
		"bcrypt_sha256$$notbcrypt", "md5$salt$nothex", "bcrypt$$2b$99$mVOUM/53H4f6L6bxXtkfEOrqGX0Om.S/bxXEo13FgBBvffVybbbqO",
		"bcrypt$$2b$12$tooshort", "argon2$argon2id$v=19$m=102400,t=2,p=8$emtvQkVNMU5xS0xBN1R4N0F3T1ZiWg$"} {
		if DjangoHashKnown(h) {
			t.Errorf("%q taken as a known format", h)
		}
		if ok, _ := checkDjangoPassword(h, ""); ok {
			t.Errorf("%q matched", h)
		}
	}
	if IsDjangoHash("$2a$10$abcdefghijklmnopqrstuv") {
		t.Error("a bcrypt hash of ours taken for Django's")
	}
}

// BenchmarkDjangoHashKnown is the importer's check of each upstream
// user's password format: it must not cost a key derivation per user.
func BenchmarkDjangoHashKnown(b *testing.B) {
	for i := 0; i < b.N; i++ {
		for _, v := range djangoVectors {
			if !DjangoHashKnown(v[1]) {
				b.Fatalf("%s not recognised", v[1])
			}
		}
	}
}
