// Package local is the `local` provider: a directory on this machine acting
// as an environment, as a source and as a destination, for storage, DNS and
// secrets. It needs no account and no server, so the offline quickstart and
// the tests use it.
//
//	environment "here" {
//	  provider          = "local"
//	  path              = "env/here"             # relative to the configuration
//	  age_recipients    = ["age1..."]            # to write secrets
//	  age_identity_file = "keys/here.txt"        # to read secrets.env.age
//	  nameservers       = ["ns1.example.net."]   # apex NS of zones rehome creates
//	}
//
// # Layout on disk
//
//	PATH/buckets/NAME/...      a bucket; every regular file below it is an object,
//	                           its key the path relative to the folder, '/'-separated
//	PATH/zones/ZONE.zone       a BIND zone file for ZONE (no trailing dot in the file name)
//	PATH/secrets.env           plaintext dotenv secrets (read only: rehome never writes it)
//	PATH/secrets.env.age       age-encrypted dotenv secrets (read and written)
//	PATH/.rehome-tmp/BUCKET/   uploads in progress; never inside a bucket, same filesystem
//
// A missing PATH, buckets/ or zones/ folder is an empty environment, not an
// error, so a destination can be discovered before rehome creates anything.
// secrets.env and secrets.env.age together are ambiguous and an error.
// The same layout is Factory().Layout, which `rehome providers local`
// prints. Where (providers.Locator) names the file or folder a bucket,
// zone or the secrets file would be, relative to the path as configured,
// so "not found" messages say where rehome looked: `zone "example.org":
// no file zones/example.org.zone under legacy/`.
//
// # Storage
//
// Objects are listed in S3 order (byte order of the UTF-8 key, so "a-c"
// comes before "a/b"), not directory-walk order. To get that order the keys
// of one bucket are collected and sorted in memory before the first object
// is yielded: a listing holds every key of the bucket at once (about the
// key's length plus ~20 bytes per object, so ~100 MB for a million keys of
// 80 bytes). Sizes and times are read per object while yielding.
//
// Put streams into a temp file under PATH/.rehome-tmp/BUCKET/, computing
// SHA-256, fsyncs it, sets its mtime to the object's ModTime and renames it
// into place, so readers never see a partial object. A failed or cancelled
// Put leaves nothing at the key. CleanPartial removes the temp files of a
// crashed run (Puts in flight in this process are left alone).
//
// Limits: only the bytes and the modification time survive. User metadata,
// tags, Cache-Control and a stored Content-Type are lost; Content-Type is
// derived from the extension with the system MIME tables (which vary
// between machines), else application/octet-stream. Keys are file paths
// (Caps.Storage.FileKeys): "a" and "a/b" cannot both exist, and keys with
// empty, "." or ".." segments, a leading or trailing '/', or NUL are
// refused. Symbolic links, sockets, devices and files whose names are not
// UTF-8 are not objects: listings skip them and Discover reports their
// number as the bucket attribute skipped_files, so the audit can warn.
// Objects are never read or written through a link, and a bucket folder
// that is a link is not a bucket. Buckets have no region or creation time.
//
// Entries a listing cannot read are yielded with Object.Unreadable set
// instead of failing the listing: a file that cannot be opened for
// reading (the listing opens and closes every file once, so permission
// problems surface at plan time), a file whose stat fails, and a folder
// that cannot be listed or entered (its key ends in '/' and stands for
// everything below it; discovery counts it as one object). The storage
// mover turns them into the plan-time blocker storage.unreadable.
//
// # DNS
//
// Zone files are parsed with miekg/dns ($ORIGIN and $TTL honoured; $INCLUDE
// refused; class IN only). Records are grouped into sets by lower-cased
// owner and type; a set's TTL is the lowest of its records; values are
// miekg's presentation format with names fully qualified. Record types
// beyond Caps.DNS.RecordTypes are read and written too, but only the listed
// ones are verified to round-trip.
//
// CreateZone writes a SOA (mname the first nameserver, rname
// hostmaster.ZONE., serial YYYYMMDD01, refresh 3600, retry 900, expire
// 1209600, minimum 300, TTL 3600) and the apex NS set from the
// environment's `nameservers`, never from the source zone (the provider
// owns its apex, Caps.DNS.OwnApex). Without `nameservers` it uses
// "localhost.", BIND's own convention for zones no real server announces
// (/etc/bind/db.empty). A nameserver inside the zone (ns1.ZONE.) makes BIND
// refuse the zone unless the zone holds an address for it, and rehome does
// not invent addresses: CreateZone refuses such nameservers (a new zone has
// no records yet), and ApplyRecords refuses to leave an in-zone apex NS
// without an A or AAAA record. Existing zone files with in-zone nameservers
// and their addresses are read and rewritten normally. Set `nameservers` to
// the out-of-zone servers that will really serve the files.
//
// ApplyRecords checks each update and delete against the file (a mismatch
// is ErrZoneChanged; a create finding exactly its set is a no-op, so a
// resumed apply is harmless), refuses content BIND would not load (CNAME and other
// data, a SOA or DS in the wrong place, apex NS inside the zone without an
// address), bumps the SOA serial (YYYYMMDDnn when that is newer, else +1)
// and rewrites the whole file atomically in a fixed order: $ORIGIN, SOA,
// apex NS, then owners in canonical DNS order and types by code. A rewrite
// loses the file's comments, $TTL/$ORIGIN structure and relative names.
// rehome rewrites a source zone only for the recorded, undoable
// TTL-lowering step.
//
// # Secrets
//
// As a source: secrets.env (plain dotenv) or secrets.env.age (dotenv
// encrypted with age, decrypted with the X25519 identities in
// age_identity_file). As a destination: PutSecrets merges into
// secrets.env.age and rewrites it encrypted to age_recipients, atomically,
// mode 0600; without recipients, or next to a plaintext secrets.env, it
// refuses. Listing or discovering an environment that holds
// secrets.env.age needs age_identity_file, since the names are encrypted
// too. Secrets are unversioned (Version ""), so an overwrite cannot be
// rolled back to the previous value by the provider. Names are dotenv
// keys (letters, digits, '_', '.'); values are written in a form checked to
// read back unchanged through godotenv (see encodeDotenv); values that no
// dotenv form can carry (invalid UTF-8) are refused. Values never appear in
// errors, logs or String output; parse errors of a dotenv file are withheld
// because godotenv quotes the file's text.
package local
