package metrics

// imageSizeBucket names the size range of an image as kubelet labels image pulls.
func imageSizeBucket(size int64) string {
	// Kubelet's image_size_in_bytes label values, by lower bound.
	buckets := [...]struct {
		lowerBound int64
		label      string
	}{
		{0, "0-10MB"},
		{10 << 20, "10MB-100MB"},
		{100 << 20, "100MB-500MB"},
		{500 << 20, "500MB-1GB"},
		{1 << 30, "1GB-5GB"},
		{5 << 30, "5GB-10GB"},
		{10 << 30, "10GB-20GB"},
		{20 << 30, "20GB-30GB"},
		{30 << 30, "30GB-40GB"},
		{40 << 30, "40GB-60GB"},
		{60 << 30, "60GB-100GB"},
		{100 << 30, "GT100GB"},
	}
	label := buckets[0].label
	for _, b := range buckets {
		if size >= b.lowerBound {
			label = b.label
		}
	}
	return label
}
