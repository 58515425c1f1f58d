package providers

import "fmt"

// Locator is implemented by providers that keep an environment in files
// (local): Where says where rehome looked for the named resource of kind,
// relative to the environment's path as configured, so that "not found"
// messages can point at the missing file ("no file zones/example.org.zone
// under legacy/"). For KindSecrets the name is ignored: it is the
// secrets file.
type Locator interface {
	Where(kind Kind, name string) string
}

// Missing is the message for a named resource (what is "bucket", "zone",
// ...) that the environment env does not hold: where the provider looked
// when it can say, else that env does not hold it.
func Missing(p Provider, env string, kind Kind, what, name string) string {
	if l, ok := p.(Locator); ok {
		if w := l.Where(kind, name); w != "" {
			return fmt.Sprintf("%s %q: %s", what, name, w)
		}
	}
	return fmt.Sprintf("%s %q is not in %s", what, name, env)
}
