package bundle

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/stackgen/stackgen/internal/atomicfile"
	"github.com/stackgen/stackgen/internal/msg"
	"github.com/stackgen/stackgen/internal/smallfile"
)

// A split bundle is the archive cut into numbered parts that fit on small
// media (FAT32 holds no file of 4 GiB or more): NAME.part001, NAME.part002,
// ... beside NAME.parts.json, the parts list with each part's size and
// SHA-256, and NAME.SHA256SUMS, the same checksums for `sha256sum -c`.
// Joined in order (`cat NAME.part* > NAME`) they are the archive.

// PartsFormatVersion is the version of the parts list this stackgen writes.
const PartsFormatVersion = 1

// MinPartSize keeps a split to a sensible number of files.
const MinPartSize = 1 << 20

// maxParts is what three digits number.
const maxParts = 999

// fat32Max is the largest file FAT32 holds: 4 GiB less one byte.
const fat32Max = 4<<30 - 1

// Parts is the parts list of a split bundle.
type Parts struct {
	FormatVersion int `json:"format_version"`
	// Archive is the joined archive's file name (no folder).
	Archive string `json:"archive"`
	Size    int64  `json:"size"`
	SHA256  string `json:"sha256"`
	// PartSize is every part's size but the last's.
	PartSize int64  `json:"part_size"`
	Parts    []Part `json:"parts"`
}

// Part is one part of a split bundle.
type Part struct {
	Name   string `json:"name"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
}

// PartName is the file name of part i (1-based) of archive.
func PartName(archive string, i int) string { return fmt.Sprintf("%s.part%03d", archive, i) }

// PartsListName and PartsChecksumsName are the files beside the parts.
func PartsListName(archive string) string      { return archive + ".parts.json" }
func PartsChecksumsName(archive string) string { return archive + ".SHA256SUMS" }

var sizeRE = regexp.MustCompile(`^([0-9]+)([KMGT])(I?B)?$`)

// ParseSize reads a part size: a whole number and a binary unit, K, M, G
// or T (KiB... TiB; "4GiB" and "4GB" are read as 4G too). 4G means "fits on
// FAT32", so it is 4 GiB less one byte.
func ParseSize(s string) (int64, error) {
	m := sizeRE.FindStringSubmatch(strings.ToUpper(strings.TrimSpace(s)))
	if m == nil {
		return 0, msg.Err("bundle.err.size.syntax", msg.Args{"Value": strconv.Quote(s)})
	}
	n, err := strconv.ParseInt(m[1], 10, 64)
	shift := map[string]uint{"K": 10, "M": 20, "G": 30, "T": 40}[m[2]]
	if err != nil || n > (1<<62)>>shift {
		return 0, msg.Err("bundle.err.size.large", msg.Args{"Value": strconv.Quote(s)})
	}
	size := n << shift
	if size < MinPartSize {
		return 0, msg.Err("bundle.err.size.small", msg.Args{"Value": strconv.Quote(s)})
	}
	if size == fat32Max+1 {
		size = fat32Max
	}
	return size, nil
}

// partHasher hashes what is written in parts of size n, alongside the
// whole-file hash.
type partHasher struct {
	size int64
	cur  hash.Hash
	curN int64
	sums []string
	lens []int64
}

func newPartHasher(size int64) *partHasher { return &partHasher{size: size, cur: sha256.New()} }

func (p *partHasher) Write(b []byte) (int, error) {
	n := len(b)
	for len(b) > 0 {
		room := p.size - p.curN
		chunk := b
		if int64(len(chunk)) > room {
			chunk = chunk[:room]
		}
		p.cur.Write(chunk)
		p.curN += int64(len(chunk))
		b = b[len(chunk):]
		if p.curN == p.size {
			p.finish()
		}
	}
	return n, nil
}

func (p *partHasher) finish() {
	p.sums = append(p.sums, hex.EncodeToString(p.cur.Sum(nil)))
	p.lens = append(p.lens, p.curN)
	p.cur.Reset()
	p.curN = 0
}

// done returns every part's SHA-256 and size.
func (p *partHasher) done() ([]string, []int64) {
	if p.curN > 0 || len(p.sums) == 0 {
		p.finish()
	}
	return p.sums, p.lens
}

// checkSplitOutputs refuses to start when a part or list of output exists:
// a split never overwrites.
func checkSplitOutputs(output string) error {
	for _, p := range []string{PartName(output, 1), PartsListName(output), PartsChecksumsName(output)} {
		if _, err := os.Lstat(p); err == nil {
			return msg.Err("bundle.err.parts-exist", msg.Args{"File": p})
		}
	}
	return nil
}

// splitInto cuts the finished archive in tmp (size bytes, SHA-256 sum,
// parts hashed as written) into the parts of output, from the last part
// back: each is copied out and tmp truncated before it, so the split needs
// room for one part more than the archive, and the first part is tmp
// itself, renamed. It writes the parts list and SHA256SUMS last. On error
// the parts written are removed; tmp is then damaged and the caller
// removes it.
func splitInto(tmp *os.File, output string, size int64, sum string, ph *partHasher, mode fs.FileMode) (ps *Parts, err error) {
	sums, lens := ph.done()
	if len(sums) > maxParts {
		return nil, msg.Err("bundle.err.parts-many", msg.Args{"Size": size, "Count": len(sums), "PartSize": ph.size, "Max": maxParts})
	}
	base := filepath.Base(output)
	ps = &Parts{FormatVersion: PartsFormatVersion, Archive: base, Size: size, SHA256: sum, PartSize: ph.size}
	for i := range sums {
		ps.Parts = append(ps.Parts, Part{Name: PartName(base, i+1), Size: lens[i], SHA256: sums[i]})
	}
	var written []string
	defer func() {
		if err != nil {
			for _, p := range written {
				os.Remove(p)
			}
		}
	}()
	dir := filepath.Dir(output)
	for i := len(ps.Parts) - 1; i >= 1; i-- {
		off := int64(i) * ph.size
		p := filepath.Join(dir, ps.Parts[i].Name)
		if err := copyPart(tmp, off, ps.Parts[i].Size, p, mode); err != nil {
			return nil, err
		}
		written = append(written, p)
		if err := tmp.Truncate(off); err != nil {
			return nil, msg.Err("bundle.err.split", msg.Args{"File": output, "Err": err})
		}
	}
	// The temporary file is 0600 while it is written (atomicfile).
	if err := tmp.Chmod(mode); err != nil {
		return nil, err
	}
	if err := tmp.Sync(); err != nil {
		return nil, err
	}
	first := filepath.Join(dir, ps.Parts[0].Name)
	if _, err := os.Lstat(first); err == nil {
		return nil, msg.Err("bundle.err.appeared", msg.Args{"File": first})
	}
	if err := os.Rename(tmp.Name(), first); err != nil {
		return nil, msg.Err("bundle.err.write", msg.Args{"File": first, "Err": err})
	}
	written = append(written, first)
	list, err := ps.Marshal()
	if err != nil {
		return nil, err
	}
	for _, f := range []struct {
		name string
		b    []byte
	}{{PartsChecksumsName(base), ps.Checksums()}, {PartsListName(base), list}} {
		p := filepath.Join(dir, f.name)
		if err := atomicfile.Write(p, f.b, 0o644); err != nil {
			return nil, err
		}
		written = append(written, p)
	}
	return ps, nil
}

func copyPart(src *os.File, off, n int64, dst string, mode fs.FileMode) error {
	f, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, mode)
	if err != nil {
		return msg.Err("bundle.err.write", msg.Args{"File": dst, "Err": err})
	}
	if _, err := io.Copy(f, io.NewSectionReader(src, off, n)); err != nil {
		f.Close()
		os.Remove(dst)
		return msg.Err("bundle.err.write", msg.Args{"File": dst, "Err": err})
	}
	if err := f.Sync(); err != nil {
		f.Close()
		os.Remove(dst)
		return msg.Err("bundle.err.write", msg.Args{"File": dst, "Err": err})
	}
	return f.Close()
}

// Marshal renders the parts list.
func (p *Parts) Marshal() ([]byte, error) {
	b, err := json.MarshalIndent(p, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}

// Checksums renders the parts in `sha256sum -c` format.
func (p *Parts) Checksums() []byte {
	var b strings.Builder
	for _, pt := range p.Parts {
		fmt.Fprintf(&b, "%s  %s\n", pt.SHA256, pt.Name)
	}
	return []byte(b.String())
}

var partRE = regexp.MustCompile(`^(.+)\.part([0-9]{3})$`)

// IsPart reports whether path names a part of a split bundle.
func IsPart(path string) bool { return partRE.MatchString(filepath.Base(path)) }

// VerifySize is about how many bytes Verify reads of the bundle at path,
// for a progress meter: a split bundle is read twice (its parts, then the
// archive they make).
func VerifySize(path string) int64 {
	if IsPart(path) {
		m := partRE.FindStringSubmatch(filepath.Base(path))
		if b, err := smallfile.ReadFile(filepath.Join(filepath.Dir(path), PartsListName(m[1])), 1<<20); err == nil {
			var ps Parts
			if json.Unmarshal(b, &ps) == nil && ps.Size > 0 {
				return 2 * ps.Size
			}
		}
	}
	if st, err := os.Stat(path); err == nil {
		return st.Size()
	}
	return 0
}

// partsError is a split bundle refused before anything was loaded: the
// first part, the part or list at fault ("" for none), and why.
func partsError(first, part string, reason error) error {
	if part == "" {
		return msg.Err("bundle.err.parts", msg.Args{"Bundle": first, "Err": reason})
	}
	return msg.Err("bundle.err.parts-file", msg.Args{"Bundle": first, "File": part, "Err": reason})
}

// openParts checks every part of the split bundle whose first part is
// first against its parts list (present, size, SHA-256), reading each
// once through the handle it keeps, and returns the parts as one source
// read in order. Nothing else is opened before all parts have passed.
func openParts(first string, progress *Counter) (*partsSource, error) {
	m := partRE.FindStringSubmatch(filepath.Base(first))
	if m == nil {
		return nil, partsError(first, "", msg.Err("bundle.err.parts.not-part"))
	}
	archive := m[1]
	if m[2] != "001" {
		return nil, partsError(first, "", msg.Err("bundle.err.parts.not-first", msg.Args{"Part": strings.TrimLeft(m[2], "0"), "First": PartName(archive, 1)}))
	}
	dir := filepath.Dir(first)
	listPath := filepath.Join(dir, PartsListName(archive))
	b, err := smallfile.ReadFile(listPath, 1<<20)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, partsError(first, PartsListName(archive), msg.Err("bundle.err.parts.no-list"))
	}
	if err != nil {
		return nil, partsError(first, PartsListName(archive), err)
	}
	ps, err := parseParts(b, archive)
	if err != nil {
		return nil, partsError(first, PartsListName(archive), msg.Err("bundle.err.parts.list-bad", msg.Args{"Err": err}))
	}
	src := &partsSource{size: ps.Size}
	ok := false
	defer func() {
		if !ok {
			src.Close()
		}
	}()
	// Every part is present and of its size before any is read.
	n := len(ps.Parts)
	for i, pt := range ps.Parts {
		f, err := os.Open(filepath.Join(dir, pt.Name))
		if errors.Is(err, fs.ErrNotExist) {
			return nil, partsError(first, pt.Name, msg.Err("bundle.err.parts.missing", msg.Args{"Part": i + 1, "Count": n, "Dir": displayName(dir)}))
		}
		if err != nil {
			return nil, partsError(first, pt.Name, err)
		}
		src.files = append(src.files, f)
		st, err := f.Stat()
		if err != nil {
			return nil, partsError(first, pt.Name, err)
		}
		if !st.Mode().IsRegular() {
			return nil, partsError(first, pt.Name, msg.Err("bundle.err.parts.not-regular"))
		}
		if st.Size() != pt.Size {
			return nil, partsError(first, pt.Name, msg.Err("bundle.err.parts.size", msg.Args{"Size": st.Size(), "Listed": pt.Size, "Part": i + 1, "Count": n}))
		}
	}
	whole := sha256.New()
	var off int64
	for i, pt := range ps.Parts {
		src.offs = append(src.offs, off)
		h := sha256.New()
		dst := io.MultiWriter(h, whole)
		if progress != nil {
			dst = io.MultiWriter(h, whole, progress)
		}
		if _, err := io.Copy(dst, io.NewSectionReader(src.files[i], 0, pt.Size)); err != nil {
			return nil, partsError(first, pt.Name, err)
		}
		if got := hex.EncodeToString(h.Sum(nil)); got != pt.SHA256 {
			return nil, partsError(first, pt.Name, msg.Err("bundle.err.parts.sha", msg.Args{"Listed": pt.SHA256[:12], "Got": got[:12], "Part": i + 1, "Count": n}))
		}
		off += pt.Size
	}
	if got := hex.EncodeToString(whole.Sum(nil)); got != ps.SHA256 {
		return nil, partsError(first, PartsListName(archive), msg.Err("bundle.err.parts.join"))
	}
	ok = true
	return src, nil
}

// parseParts reads a parts list and checks that it describes parts named
// as stackgen names them, in order, adding up to the archive.
func parseParts(b []byte, archive string) (*Parts, error) {
	var ps Parts
	if err := json.Unmarshal(b, &ps); err != nil {
		return nil, msg.Err("bundle.err.parts.json", msg.Args{"Err": err})
	}
	switch {
	case ps.FormatVersion != PartsFormatVersion:
		return nil, msg.Err("bundle.err.parts.format", msg.Args{"Format": ps.FormatVersion, "Reads": PartsFormatVersion})
	case ps.Archive != archive:
		return nil, msg.Err("bundle.err.parts.other", msg.Args{"Listed": ps.Archive, "Archive": archive})
	case len(ps.Parts) == 0 || len(ps.Parts) > maxParts:
		return nil, msg.Err("bundle.err.parts.count", msg.Args{"Count": len(ps.Parts), "Max": maxParts})
	case !isSHA256(ps.SHA256):
		return nil, msg.Err("bundle.err.parts.no-sha")
	}
	var total int64
	for i, pt := range ps.Parts {
		if pt.Name != PartName(archive, i+1) {
			return nil, msg.Err("bundle.err.parts.name", msg.Args{"Part": i + 1, "Name": strconv.Quote(pt.Name), "Want": PartName(archive, i+1)})
		}
		if !isSHA256(pt.SHA256) || pt.Size <= 0 || (i < len(ps.Parts)-1 && pt.Size != ps.PartSize) || pt.Size > ps.PartSize {
			return nil, msg.Err("bundle.err.parts.entry", msg.Args{"Name": pt.Name})
		}
		total += pt.Size
	}
	if total != ps.Size {
		return nil, msg.Err("bundle.err.parts.total", msg.Args{"Total": total, "Size": ps.Size})
	}
	return &ps, nil
}

func isSHA256(s string) bool {
	return len(s) == 64 && strings.Trim(s, "0123456789abcdef") == ""
}

// partsSource reads verified parts as one archive, through the handles
// they were verified by.
type partsSource struct {
	files []*os.File
	offs  []int64
	size  int64
}

func (p *partsSource) ReadAt(b []byte, off int64) (int, error) {
	n := 0
	for len(b) > 0 {
		if off >= p.size {
			return n, io.EOF
		}
		i := sort.Search(len(p.offs), func(i int) bool { return p.offs[i] > off }) - 1
		end := p.size
		if i+1 < len(p.offs) {
			end = p.offs[i+1]
		}
		chunk := b
		if int64(len(chunk)) > end-off {
			chunk = chunk[:end-off]
		}
		m, err := p.files[i].ReadAt(chunk, off-p.offs[i])
		n += m
		off += int64(m)
		b = b[m:]
		if m < len(chunk) {
			if err == nil || errors.Is(err, io.EOF) {
				err = io.ErrUnexpectedEOF // a part shrank since it was verified
			}
			return n, err
		}
	}
	return n, nil
}

func (p *partsSource) Close() error {
	var first error
	for _, f := range p.files {
		if err := f.Close(); err != nil && first == nil {
			first = err
		}
	}
	return first
}
