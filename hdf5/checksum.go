package hdf5

import "math/bits"

// lookup3 is Bob Jenkins's lookup3 hashlittle with initial value 0, the
// checksum of every version-2 metadata structure (H5_checksum_metadata).
func lookup3(k []byte) uint32 {
	n := len(k)
	a := 0xdeadbeef + uint32(n)
	b, c := a, a
	for n > 12 {
		a += uint32(k[0]) | uint32(k[1])<<8 | uint32(k[2])<<16 | uint32(k[3])<<24
		b += uint32(k[4]) | uint32(k[5])<<8 | uint32(k[6])<<16 | uint32(k[7])<<24
		c += uint32(k[8]) | uint32(k[9])<<8 | uint32(k[10])<<16 | uint32(k[11])<<24
		a -= c
		a ^= bits.RotateLeft32(c, 4)
		c += b
		b -= a
		b ^= bits.RotateLeft32(a, 6)
		a += c
		c -= b
		c ^= bits.RotateLeft32(b, 8)
		b += a
		a -= c
		a ^= bits.RotateLeft32(c, 16)
		c += b
		b -= a
		b ^= bits.RotateLeft32(a, 19)
		a += c
		c -= b
		c ^= bits.RotateLeft32(b, 4)
		b += a
		n -= 12
		k = k[12:]
	}
	if n == 0 {
		return c
	}
	// The tail: bytes 0-3 go to a, 4-7 to b, 8-11 to c.
	for i := n - 1; i >= 0; i-- {
		v := uint32(k[i]) << (8 * uint(i%4))
		switch i / 4 {
		case 0:
			a += v
		case 1:
			b += v
		default:
			c += v
		}
	}
	c ^= b
	c -= bits.RotateLeft32(b, 14)
	a ^= c
	a -= bits.RotateLeft32(c, 11)
	b ^= a
	b -= bits.RotateLeft32(a, 25)
	c ^= b
	c -= bits.RotateLeft32(b, 16)
	a ^= c
	a -= bits.RotateLeft32(c, 4)
	b ^= a
	b -= bits.RotateLeft32(a, 14)
	c ^= b
	c -= bits.RotateLeft32(b, 24)
	return c
}

// fletcher32 is HDF5's Fletcher checksum (H5_checksum_fletcher32): 16-bit
// words taken most significant byte first, an odd last byte as the high
// byte of a word, sums folded modulo 65535.
func fletcher32(data []byte) uint32 {
	var s1, s2 uint32 = 0xffff, 0xffff
	n := len(data) / 2
	i := 0
	for n > 0 {
		t := min(n, 360)
		n -= t
		for ; t > 0; t-- {
			s1 += uint32(data[i])<<8 | uint32(data[i+1])
			s2 += s1
			i += 2
		}
		s1 = (s1 & 0xffff) + (s1 >> 16)
		s2 = (s2 & 0xffff) + (s2 >> 16)
	}
	if len(data)%2 == 1 {
		s1 += uint32(data[i]) << 8
		s2 += s1
		s1 = (s1 & 0xffff) + (s1 >> 16)
		s2 = (s2 & 0xffff) + (s2 >> 16)
	}
	s1 = (s1 & 0xffff) + (s1 >> 16)
	s2 = (s2 & 0xffff) + (s2 >> 16)
	return s2<<16 | s1
}
