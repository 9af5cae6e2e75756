use std::time::Instant;
use vigie_encoder::vnni::PackedLinear;
fn main() {
    for (outputs, inputs) in [(384usize, 384usize), (1536, 384), (384, 1536)] {
        let blocks: Vec<u8> = (0..outputs * inputs / 32 * 18)
            .map(|i| {
                if i % 18 == 1 {
                    0x2c
                } else {
                    (i * 7 % 256) as u8
                }
            })
            .collect();
        let packed =
            PackedLinear::from_q4_0(&blocks, &vec![0.1; outputs], outputs, inputs).unwrap();
        let tokens = 1024;
        let x: Vec<f32> = (0..tokens * inputs)
            .map(|i| ((i * 13 % 97) as f32 - 48.0) / 50.0)
            .collect();
        let bias = vec![0.1f32; outputs];
        let start = Instant::now();
        let mut n = 0;
        while start.elapsed().as_secs_f64() < 2.0 {
            std::hint::black_box(packed.forward(&x));
            n += 1;
        }
        let secs = start.elapsed().as_secs_f64() / n as f64;
        println!(
            "{outputs}x{inputs}: {:.2} ms, {:.1} GMAC/s",
            secs * 1e3,
            (tokens * outputs * inputs) as f64 / secs / 1e9
        );
    }
    let xs: Vec<f32> = (0..1024 * 1536)
        .map(|i| ((i * 13 % 97) as f32 - 48.0) / 50.0)
        .collect();
    let start = Instant::now();
    let mut n = 0;
    while start.elapsed().as_secs_f64() < 1.0 {
        let mut v = xs.clone();
        vigie_encoder::gelu::gelu_in_place(&mut v);
        std::hint::black_box(v);
        n += 1;
    }
    println!(
        "gelu 1024x1536: {:.2} ms",
        start.elapsed().as_secs_f64() / n as f64 * 1e3
    );
}
