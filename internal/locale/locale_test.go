package locale

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

func TestNegotiate(t *testing.T) {
	tests := []struct{ header, want string }{
		{"", "en"},
		{"ar", "ar"},
		{"ar-EG", "ar"},
		{"ar-SA,ar;q=0.9,en;q=0.8", "ar"},
		{"fr-FR, ar;q=0.5", "ar"},
		{"en-US,en;q=0.9,ar;q=0.8", "en"},
		{"fr", "en"},
		{"*", "en"},
		{"not a header;;", "en"},
	}
	for _, tt := range tests {
		if got := Negotiate(tt.header); got != tt.want {
			t.Errorf("Negotiate(%q) = %q, want %q", tt.header, got, tt.want)
		}
	}
}

func TestTranslate(t *testing.T) {
	const fsi, pdi = "\u2068", "\u2069"
	tests := []struct{ lang, in, want string }{
		{"ar", "Some fields are invalid.", "بعض الحقول غير صالحة."},
		{"en", "Some fields are invalid.", "Some fields are invalid."},
		// Values keep their text and are isolated inside the Arabic.
		{"ar", `The phone number "abc" may hold only digits, spaces, dashes, dots, parentheses and a leading +.`,
			"رقم الهاتف " + fsi + `"abc"` + pdi + " يقبل الأرقام والمسافات والشرطات والنقاط والأقواس وعلامة + في أوله فقط."},
		{"ar", "The limit must be a whole number from 1 to 1,000.", "يجب أن يكون الحد عدداً صحيحاً من 1 إلى " + fsi + "1,000" + pdi + "."},
		{"ar", "No route GET /api/v1/nothing.", "لا يوجد مسار " + fsi + "GET" + pdi + " " + fsi + "/api/v1/nothing" + pdi + "."},
		// The longer template wins over a shorter one that also fits.
		{"ar", `The recipient's server "x.net" is not supported; use a phone number, …@c.us, …@s.whatsapp.net, …@g.us, …@lid, …@newsletter or status@broadcast.`,
			"خادم المستلم " + fsi + `"x.net"` + pdi + " غير مدعوم؛ استخدم رقم هاتف أو ‎…@c.us أو ‎…@s.whatsapp.net أو ‎…@g.us أو ‎…@lid أو ‎…@newsletter أو ‎status@broadcast."},
		// Unknown sentences stay English rather than vanish.
		{"ar", "A sentence nobody translated.", "A sentence nobody translated."},
		{"ar", "", ""},
	}
	for _, tt := range tests {
		if got := Translate(tt.lang, tt.in); got != tt.want {
			t.Errorf("Translate(%s, %q)\n got %q\nwant %q", tt.lang, tt.in, got, tt.want)
		}
	}
	f := Fields("ar", map[string]string{"name": "Give a name of 1 to 100 characters.", "x": "untranslated"})
	if f["name"] != "أدخل اسماً من 1 إلى 100 حرف." || f["x"] != "untranslated" {
		t.Errorf("Fields: got %q", f)
	}
}

// TestCatalogueIsWellFormed holds each Arabic sentence to its English: the
// same values (none dropped, none invented) and the same closing mark.
func TestCatalogueIsWellFormed(t *testing.T) {
	for en, ar := range arabic {
		if strings.TrimSpace(ar) == "" {
			t.Errorf("%q has an empty Arabic", en)
			continue
		}
		nEn, nAr := len(verb.FindAllString(en, -1)), len(verb.FindAllString(ar, -1))
		if nEn != nAr {
			t.Errorf("%q has %d values, its Arabic %q has %d", en, nEn, ar, nAr)
		}
		if strings.HasSuffix(en, ".") != strings.HasSuffix(ar, ".") {
			t.Errorf("%q and its Arabic %q end differently", en, ar)
		}
	}
}

// TestMostSentencesHaveArabic reads the gateway's source for the public
// sentences it writes (Errorf formats, WrapError messages, Message:
// literals and field sentences) and lists those without Arabic. It fails
// below 80% so that a sentence added elsewhere meanwhile does not break
// the build, while a real gap does; the log names each missing one.
func TestMostSentencesHaveArabic(t *testing.T) {
	sentences := map[string]string{}
	root := filepath.Join("..", "..")
	for _, dir := range []string{"internal", "cmd"} {
		err := filepath.WalkDir(filepath.Join(root, dir), func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") ||
				strings.Contains(path, "locale") || strings.Contains(path, "test"+string(filepath.Separator)) {
				return err
			}
			fset := token.NewFileSet()
			f, err := parser.ParseFile(fset, path, nil, 0)
			if err != nil {
				return err
			}
			add := func(e ast.Expr) {
				if bl, ok := e.(*ast.BasicLit); ok && bl.Kind == token.STRING {
					if s, err := strconv.Unquote(bl.Value); err == nil && len(s) > 3 && s[0] >= 'A' && s[0] <= 'Z' {
						sentences[s] = path
					}
				}
			}
			ast.Inspect(f, func(n ast.Node) bool {
				switch x := n.(type) {
				case *ast.CallExpr:
					name := ""
					switch fn := x.Fun.(type) {
					case *ast.SelectorExpr:
						name = fn.Sel.Name
					case *ast.Ident:
						name = fn.Name
					}
					switch {
					case name == "Errorf" && len(x.Args) >= 2:
						if _, isCode := x.Args[0].(*ast.BasicLit); !isCode {
							add(x.Args[1])
						}
					case name == "WrapError" && len(x.Args) >= 3:
						add(x.Args[2])
					case name == "ValidationError" && len(x.Args) == 1:
						if cl, ok := x.Args[0].(*ast.CompositeLit); ok {
							for _, el := range cl.Elts {
								if kv, ok := el.(*ast.KeyValueExpr); ok {
									add(kv.Value)
								}
							}
						}
					}
				case *ast.KeyValueExpr:
					if id, ok := x.Key.(*ast.Ident); ok && id.Name == "Message" {
						add(x.Value)
					}
				case *ast.AssignStmt:
					if len(x.Lhs) == 1 && len(x.Rhs) == 1 {
						if ix, ok := x.Lhs[0].(*ast.IndexExpr); ok {
							if id, ok := ix.X.(*ast.Ident); ok && (id.Name == "fields" || id.Name == "f") {
								add(x.Rhs[0])
							}
						}
					}
				}
				return true
			})
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	missing := 0
	for s, path := range sentences {
		if _, ok := arabic[s]; !ok {
			missing++
			t.Logf("no Arabic for %q (%s)", s, path)
		}
	}
	if len(sentences) < 200 {
		t.Fatalf("found only %d sentences in the source: the walk is broken", len(sentences))
	}
	if share := float64(len(sentences)-missing) / float64(len(sentences)); share < 0.8 {
		t.Errorf("%d of %d public sentences have no Arabic (%.0f%% covered, want 80%% or more)", missing, len(sentences), share*100)
	}
}

// TestTranslateReason: a reason the gateway wrote is translated with the
// sentences inside it ("Cannot reach WhatsApp (<what failed>) …"), its
// other values kept; English and unknown reasons stay as they are.
func TestTranslateReason(t *testing.T) {
	const fsi, pdi = "\u2068", "\u2069"
	tests := []struct{ lang, in, want string }{
		{"ar", "The instance was stopped; start it to connect again.", "أُوقف المثيل؛ شغّله ليتصل من جديد."},
		{"en", "The instance was stopped; start it to connect again.", "The instance was stopped; start it to connect again."},
		{"ar", "Cannot reach WhatsApp (the connection was refused); retrying in 3m47s.",
			"تعذّر الوصول إلى واتساب (" + fsi + "رُفض الاتصال" + pdi + ")؛ إعادة المحاولة بعد " + fsi + "3m47s" + pdi + "."},
		{"ar", "Pairing failed: WhatsApp could not complete the pairing; scan a new code.",
			"فشل الربط: " + fsi + "تعذّر على واتساب إتمام الربط؛ امسح رمزًا جديدًا." + pdi},
		{"ar", "sandbox: recipient is not on WhatsApp", "sandbox: المستلم ليس على واتساب"},
		{"ar", "An engine's sentence nobody translated.", "An engine's sentence nobody translated."},
	}
	for _, tt := range tests {
		if got := TranslateReason(tt.lang, tt.in); got != tt.want {
			t.Errorf("TranslateReason(%s, %q)\n got %q\nwant %q", tt.lang, tt.in, got, tt.want)
		}
	}
}
