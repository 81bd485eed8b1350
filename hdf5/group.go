package hdf5

import (
	"encoding/binary"
	"fmt"
	"sort"
	"strings"
	"sync"
)

// Object is a *Group, a *Dataset or a *Datatype.
type Object interface {
	// Path is the object's absolute path in the file, e.g. "/model_weights/dense".
	Path() string
	// Attrs returns the object's attributes, in the order h5py lists them.
	Attrs() ([]Attribute, error)
	// Attr returns the value of the attribute name (see Attribute.Value).
	Attr(name string) (any, error)
}

// Group is an HDF5 group: named links to groups and datasets, and
// attributes.
type Group struct {
	f    *File
	path string
	obj  object

	once  sync.Once
	links []link
	index map[string]int // name -> position in links
	err   error
}

// object is what groups and datasets share: the header and attributes.
type object struct {
	f     *File
	path  string
	hdr   *objHeader
	once  sync.Once
	attrs []Attribute
	err   error
}

type link struct {
	name string
	addr uint64 // hard link target
	soft string // soft link path, when not a hard link
	crt  int64
}

func (f *File) openGroup(path string, addr uint64) (*Group, error) {
	h, err := f.readObjHeader(addr, path)
	if err != nil {
		return nil, err
	}
	if h.find(msgSymbolTable) == nil && h.find(msgLinkInfo) == nil && h.find(msgLink) == nil && h.find(msgLayout) != nil {
		return nil, fmt.Errorf("hdf5: %q is a dataset, not a group", path)
	}
	return &Group{f: f, path: path, obj: object{f: f, path: path, hdr: h}}, nil
}

// Path returns the group's absolute path ("/" for the root).
func (g *Group) Path() string { return g.path }

// Attrs returns the group's attributes in h5py's order: creation order if
// the group tracks it, else by name. The values are shared with later
// calls: do not modify them.
func (g *Group) Attrs() ([]Attribute, error) { return g.obj.attributes() }

// Attr returns the value of the group's attribute name.
func (g *Group) Attr(name string) (any, error) { return g.obj.attr(name) }

// Names returns the names of the group's members in the order h5py lists
// them: creation order when the group tracks it (track_order=True), else
// sorted by bytes.
func (g *Group) Names() ([]string, error) {
	ls, err := g.members()
	if err != nil {
		return nil, err
	}
	names := make([]string, len(ls))
	for i, l := range ls {
		names[i] = l.name
	}
	return names, nil
}

func (g *Group) members() ([]link, error) {
	g.once.Do(func() {
		g.links, g.err = g.readLinks()
		g.index = make(map[string]int, len(g.links))
		for i, l := range g.links {
			g.index[l.name] = i
		}
	})
	return g.links, g.err
}

func (g *Group) childPath(name string) string {
	if g.path == "/" {
		return "/" + name
	}
	return g.path + "/" + name
}

// member opens the object the link name points to, following soft links.
func (g *Group) member(name string, depth int) (Object, error) {
	ls, err := g.members()
	if err != nil {
		return nil, err
	}
	var l *link
	if i, ok := g.index[name]; ok {
		l = &ls[i]
	}
	if l == nil {
		return nil, fmt.Errorf("hdf5: group %q has no member %q: %w", g.path, name, ErrNotFound)
	}
	p := g.childPath(name)
	if l.soft != "" {
		if depth > 16 {
			return nil, &FormatError{Object: p, What: "soft link", Msg: "more than 16 soft links in a row (a loop?)"}
		}
		base := g
		target := l.soft
		if strings.HasPrefix(target, "/") {
			base = g.f.root
		}
		return base.lookup(target, depth+1)
	}
	return g.f.openObject(p, l.addr)
}

// openObject opens the group or dataset whose header is at addr.
func (f *File) openObject(path string, addr uint64) (Object, error) {
	h, err := f.readObjHeader(addr, path)
	if err != nil {
		return nil, err
	}
	if h.find(msgLayout) != nil {
		return f.newDataset(path, h)
	}
	if m := h.find(msgDatatype); m != nil && h.find(msgSymbolTable) == nil && h.find(msgLinkInfo) == nil {
		t, _, err := parseDatatype(m.data, path, 0)
		if err != nil {
			return nil, err
		}
		return &Datatype{path: path, dt: t.DType, obj: object{f: f, path: path, hdr: h}}, nil
	}
	return &Group{f: f, path: path, obj: object{f: f, path: path, hdr: h}}, nil
}

// Datatype is a named (committed) datatype, h5py's Datatype: a group
// member that holds only a type, which datasets and attributes may share.
type Datatype struct {
	path string
	dt   DType
	obj  object
}

// Path returns the datatype's absolute path.
func (t *Datatype) Path() string { return t.path }

// DType returns the type.
func (t *Datatype) DType() DType { return t.dt }

// Attrs returns the datatype's attributes in h5py's order.
func (t *Datatype) Attrs() ([]Attribute, error) { return t.obj.attributes() }

// Attr returns the value of the datatype's attribute name.
func (t *Datatype) Attr(name string) (any, error) { return t.obj.attr(name) }

// sharedMessage returns the message of type typ that a shared message
// points to: a committed datatype's, in another object header.
func (f *File) sharedMessage(b []byte, typ uint16, path string) ([]byte, error) {
	bad := func(msg string, args ...any) error {
		return &FormatError{Object: path, What: "shared message", Msg: fmt.Sprintf(msg, args...)}
	}
	d := &dec{b: b, f: f}
	version, kind := d.u8(), d.u8()
	switch version {
	case 1:
		d.skip(6)
		d.length() // the name offset of an old symbol table entry
	case 2, 3:
		if kind != 2 && !(version == 2 && kind == 0) {
			return nil, &UnsupportedError{Object: path, Feature: "a message shared through the file's shared message table"}
		}
	default:
		return nil, bad("version %d, want 1 to 3", version)
	}
	addr := d.addr()
	if d.bad {
		return nil, bad("truncated")
	}
	h, err := f.readObjHeader(addr, path)
	if err != nil {
		return nil, err
	}
	m := h.find(typ)
	if m == nil || m.flags&0x02 != 0 {
		return nil, bad("the object at 0x%x it points to has no message of type 0x%x", addr, typ)
	}
	return m.data, nil
}

// Lookup returns the group, dataset or named datatype at path relative to
// g ("a/b/c"); a leading "/" starts at the root.
func (g *Group) Lookup(path string) (Object, error) { return g.lookup(path, 0) }

func (g *Group) lookup(path string, depth int) (Object, error) {
	var cur Object = g
	if strings.HasPrefix(path, "/") {
		cur = g.f.root
	}
	parts := strings.Split(path, "/")
	if len(parts) > maxPathDepth {
		return nil, fmt.Errorf("hdf5: Lookup: path %q has more than %d parts", path, maxPathDepth)
	}
	for _, p := range parts {
		if p == "" || p == "." {
			continue
		}
		grp, ok := cur.(*Group)
		if !ok {
			return nil, fmt.Errorf("hdf5: Lookup %q: %q is a dataset, not a group", path, cur.Path())
		}
		next, err := grp.member(p, depth)
		if err != nil {
			return nil, err
		}
		cur = next
	}
	return cur, nil
}

// Group returns the subgroup at path (a member name or "a/b/c").
func (g *Group) Group(path string) (*Group, error) {
	o, err := g.Lookup(path)
	if err != nil {
		return nil, err
	}
	sub, ok := o.(*Group)
	if !ok {
		return nil, fmt.Errorf("hdf5: %q is a dataset, not a group", o.Path())
	}
	return sub, nil
}

// Dataset returns the dataset at path (a member name or "a/b/c").
func (g *Group) Dataset(path string) (*Dataset, error) {
	o, err := g.Lookup(path)
	if err != nil {
		return nil, err
	}
	d, ok := o.(*Dataset)
	if !ok {
		return nil, fmt.Errorf("hdf5: %q is a group, not a dataset", o.Path())
	}
	return d, nil
}

// readLinks gathers the group's links from whichever storage it uses.
func (g *Group) readLinks() ([]link, error) {
	f, h := g.f, g.obj.hdr
	var ls []link
	tracked := false
	if m := h.find(msgSymbolTable); m != nil {
		var err error
		if ls, err = f.symbolTableLinks(m.data, g.path); err != nil {
			return nil, err
		}
	} else {
		for _, m := range h.msgs {
			if m.typ != msgLink {
				continue
			}
			l, err := f.parseLink(m.data, g.path)
			if err != nil {
				return nil, err
			}
			ls = append(ls, l)
		}
		if m := h.find(msgLinkInfo); m != nil {
			d := &dec{b: m.data, f: f}
			if v := d.u8(); v != 0 {
				return nil, &FormatError{Object: g.path, What: "link info message", Addr: h.addr, Msg: fmt.Sprintf("version %d, want 0", v)}
			}
			flags := d.u8()
			tracked = flags&1 != 0
			if flags&1 != 0 {
				d.u64()
			}
			heap, names := d.addr(), d.addr()
			if d.bad {
				return nil, &FormatError{Object: g.path, What: "link info message", Addr: h.addr, Msg: "truncated"}
			}
			if !f.isUndef(heap) {
				dense, err := f.denseLinks(heap, names, g.path)
				if err != nil {
					return nil, err
				}
				ls = append(ls, dense...)
			}
		}
	}
	seen := make(map[string]bool, len(ls))
	for _, l := range ls {
		if seen[l.name] {
			return nil, &FormatError{Object: g.path, What: "group", Addr: h.addr, Msg: fmt.Sprintf("member %q appears twice", l.name)}
		}
		seen[l.name] = true
	}
	if tracked {
		sort.SliceStable(ls, func(i, j int) bool { return ls[i].crt < ls[j].crt })
	} else {
		sort.Slice(ls, func(i, j int) bool { return ls[i].name < ls[j].name })
	}
	return ls, nil
}

func (f *File) symbolTableLinks(msg []byte, path string) ([]link, error) {
	d := &dec{b: msg, f: f}
	btree, heapAddr := d.addr(), d.addr()
	if d.bad {
		return nil, &FormatError{Object: path, What: "symbol table message", Msg: "truncated"}
	}
	heap, err := f.readLocalHeap(heapAddr, path)
	if err != nil {
		return nil, err
	}
	var ls []link
	entry := 2*f.offSize + 24
	err = f.walkBTreeV1(btree, 0, 0, path, func(_ []byte, snod uint64) error {
		hd, err := f.read(snod, 8, "symbol table node")
		if err != nil {
			return err
		}
		if string(hd[:4]) != "SNOD" || hd[4] != 1 {
			return &FormatError{Object: path, What: "symbol table node", Addr: snod, Msg: "no SNOD signature of version 1"}
		}
		n := int(binary.LittleEndian.Uint16(hd[6:]))
		if f.leafK > 0 && n > 2*f.leafK {
			return &FormatError{Object: path, What: "symbol table node", Addr: snod, Msg: fmt.Sprintf("%d entries, more than the %d (2 x group leaf K) a node holds", n, 2*f.leafK)}
		}
		b, err := f.read(snod+8, uint64(n*entry), "symbol table node")
		if err != nil {
			return err
		}
		for i := 0; i < n; i++ {
			e := &dec{b: b[i*entry:], f: f}
			nameOff, addr := e.addr(), e.addr()
			name, err := heap.name(nameOff, heapAddr, path)
			if err != nil {
				return err
			}
			if err := checkName(name, path); err != nil {
				return err
			}
			ls = append(ls, link{name: name, addr: addr, crt: int64(len(ls))})
			if len(ls) > maxTreeRecords {
				return &FormatError{Object: path, What: "group", Msg: fmt.Sprintf("more than %d members", maxTreeRecords)}
			}
		}
		return nil
	})
	return ls, err
}

func checkName(name, path string) error {
	if name == "" || strings.Contains(name, "/") || name == "." {
		return &FormatError{Object: path, What: "link", Msg: fmt.Sprintf("member name %q is not a valid link name", name)}
	}
	return nil
}

// parseLink decodes a link message.
func (f *File) parseLink(b []byte, path string) (link, error) {
	bad := func(msg string, args ...any) error {
		return &FormatError{Object: path, What: "link message", Msg: fmt.Sprintf(msg, args...)}
	}
	d := &dec{b: b, f: f}
	if v := d.u8(); v != 1 {
		return link{}, bad("version %d, want 1", v)
	}
	flags := d.u8()
	typ := uint8(0)
	if flags&0x08 != 0 {
		typ = d.u8()
	}
	l := link{crt: -1}
	if flags&0x04 != 0 {
		l.crt = int64(d.u64())
	}
	if flags&0x10 != 0 {
		d.u8()
	}
	n := d.uN(1 << (flags & 3))
	if n > maxNameBytes {
		return link{}, bad("name of %d bytes", n)
	}
	l.name = string(d.take(int(n)))
	if d.bad {
		return link{}, bad("truncated")
	}
	if err := checkName(l.name, path); err != nil {
		return link{}, err
	}
	switch typ {
	case 0:
		l.addr = d.addr()
	case 1:
		m := int(d.u16())
		l.soft = string(d.take(m))
		if l.soft == "" && !d.bad {
			return link{}, bad("soft link %q has an empty target", l.name)
		}
	case 64:
		return link{}, &UnsupportedError{Object: path + "/" + l.name, Feature: "an external link"}
	default:
		return link{}, &UnsupportedError{Object: path + "/" + l.name, Feature: fmt.Sprintf("link type %d", typ)}
	}
	if d.bad {
		return link{}, bad("link %q truncated", l.name)
	}
	return l, nil
}

// denseLinks reads links kept in a fractal heap, indexed by name in a v2
// B-tree (record type 5: name hash and heap ID).
func (f *File) denseLinks(heapAddr, btreeAddr uint64, path string) ([]link, error) {
	heap, err := f.readFractalHeap(heapAddr, path)
	if err != nil {
		return nil, err
	}
	bt, err := f.readBTreeV2(btreeAddr, path)
	if err != nil {
		return nil, err
	}
	if bt.typ != 5 || bt.recSize < 5 {
		return nil, &FormatError{Object: path, What: "v2 B-tree header", Addr: btreeAddr, Msg: fmt.Sprintf("record type %d (size %d) for a link name index, want type 5", bt.typ, bt.recSize)}
	}
	var ls []link
	err = bt.records(func(rec []byte) error {
		obj, err := heap.object(rec[4:])
		if err != nil {
			return err
		}
		l, err := f.parseLink(obj, path)
		if err != nil {
			return err
		}
		ls = append(ls, l)
		return nil
	})
	return ls, err
}

// Walk calls fn for every group, dataset and named datatype below g,
// depth first with members in Names order, as h5py's visititems does: an
// object reached through several hard links is visited once, under the
// first path; soft links are not followed. A hard link to an ancestor (a cycle) or nesting
// deeper than 1024 groups is an error wrapping ErrFormat. An error from fn
// stops the walk and is returned.
func (g *Group) Walk(fn func(path string, o Object) error) error {
	seen := map[uint64]bool{g.obj.hdr.addr: true}
	onPath := map[uint64]bool{}
	var walk func(g *Group, depth int) error
	walk = func(g *Group, depth int) error {
		if depth > maxPathDepth {
			return &FormatError{Object: g.path, What: "group", Addr: g.obj.hdr.addr, Msg: fmt.Sprintf("groups nested more than %d deep", maxPathDepth)}
		}
		onPath[g.obj.hdr.addr] = true
		defer delete(onPath, g.obj.hdr.addr)
		ls, err := g.members()
		if err != nil {
			return err
		}
		for _, l := range ls {
			if l.soft != "" {
				continue
			}
			p := g.childPath(l.name)
			if onPath[l.addr] {
				return &FormatError{Object: p, What: "group", Addr: l.addr, Msg: "hard link to an enclosing group (a cycle)"}
			}
			if seen[l.addr] {
				continue
			}
			seen[l.addr] = true
			o, err := g.f.openObject(p, l.addr)
			if err != nil {
				return err
			}
			if err := fn(p, o); err != nil {
				return err
			}
			if sub, ok := o.(*Group); ok {
				if err := walk(sub, depth+1); err != nil {
					return err
				}
			}
		}
		return nil
	}
	return walk(g, 0)
}
