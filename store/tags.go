package store

import "regexp"

// CountTags counts the tags (Reviewed-by...) in texts as mail in counts
// them: each match of a tag's pattern, per line, case-insensitive. A
// pattern that does not compile counts nothing. Front ends use it for
// what mail in does not count per patch: the replies to a cover letter,
// whose trailers are for every patch of the series.
func CountTags(tags []Tag, texts ...string) TagCounts {
	var out TagCounts
	for _, t := range tags {
		re, err := regexp.Compile("(?im)" + t.Pattern)
		if err != nil {
			continue
		}
		for _, text := range texts {
			if n := len(re.FindAllStringIndex(text, -1)); n > 0 {
				if out == nil {
					out = TagCounts{}
				}
				out[t.ID] += n
			}
		}
	}
	return out
}
