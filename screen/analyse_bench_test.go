package screen

import "testing"

func BenchmarkAnalyse(b *testing.B) {
	names := []string{"Abdul Rahman Muhammad Al-Jaber", "Patricia Lucas Wheeler", "حسین موسوی", "Joint Stock Company Tactical Missiles Corporation", "Сергей Викторович Лавров"}
	getDict()
	countryWord("")
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		analyse(names[i%len(names)])
	}
}
