//! RSA key generation for the demo PKI only. ring signs with RSA keys but cannot generate
//! them; the RustCrypto `rsa` crate is excluded (RUSTSEC-2023-0071), so the key is built
//! here from two random primes and serialised as PKCS#8 for ring.

use num_bigint_dig::{BigUint, ModInverse, RandPrime};
use num_traits::One;

/// A fresh RSA private key of `bits` bits (e = 65537) as PKCS#8 DER.
pub fn generate_pkcs8(bits: usize) -> Vec<u8> {
    let mut rng = rand::rngs::OsRng;
    let e = BigUint::from(65_537u32);
    loop {
        let p: BigUint = rng.gen_prime(bits / 2);
        let q: BigUint = rng.gen_prime(bits / 2);
        if p == q {
            continue;
        }
        let (p, q) = if p > q { (p, q) } else { (q, p) };
        let n = &p * &q;
        if n.bits() != bits {
            continue;
        }
        let p1 = &p - BigUint::one();
        let q1 = &q - BigUint::one();
        let phi = &p1 * &q1;
        let Some(d) = (&e).mod_inverse(&phi).and_then(|d| d.to_biguint()) else {
            continue;
        };
        let Some(qinv) = (&q).mod_inverse(&p).and_then(|x| x.to_biguint()) else {
            continue;
        };
        let dp = &d % &p1;
        let dq = &d % &q1;
        let pkcs1 = yasna::construct_der(|w| {
            w.write_sequence(|w| {
                w.next().write_u8(0);
                for v in [&n, &e, &d, &p, &q, &dp, &dq, &qinv] {
                    w.next().write_bigint_bytes(&v.to_bytes_be(), true);
                }
            })
        });
        return super::der::pkcs8_wrap_rsa(&pkcs1);
    }
}
