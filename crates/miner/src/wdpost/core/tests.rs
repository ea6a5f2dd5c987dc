use super::*;
use fvm_ipld_encoding::RawBytes;
use serde_json::json;

fn bf(bits: &[u64]) -> BitField {
    BitField::try_from_bits(bits.iter().copied()).expect("small bitfield")
}

fn bits(b: &BitField) -> Vec<u64> {
    b.iter().collect()
}

/// The devnet deadline 3 of a period starting at 100, seen at 150.
fn deadline() -> Deadline {
    serde_json::from_value(json!({
        "CurrentEpoch": 150,
        "PeriodStart": 100,
        "Index": 3,
        "Open": 280,
        "Close": 340,
        "Challenge": 260,
        "FaultCutoff": 210,
        "WPoStPeriodDeadlines": 48,
        "WPoStProvingPeriod": 2880,
        "WPoStChallengeWindow": 60,
        "WPoStChallengeLookback": 20,
        "FaultDeclarationCutoff": 70,
    }))
    .expect("Lotus dline.Info JSON")
}

fn partition(all: &[u64], faulty: &[u64], recovering: &[u64], terminated: &[u64]) -> Partition {
    let all = bf(all);
    let live = &all - &bf(terminated);
    Partition {
        active: &live - &bf(faulty),
        all,
        faulty: bf(faulty),
        recovering: bf(recovering),
        live,
    }
}

#[test]
fn deadlines_follow_each_other_across_periods() {
    let d = deadline();
    assert_eq!(
        d.instance(100, 3, 150),
        d,
        "instance recomputes the same info"
    );
    let n = d.next();
    assert_eq!(
        (n.index, n.open, n.close, n.challenge, n.fault_cutoff),
        (4, 340, 400, 320, 270)
    );
    let last = d.instance(100, 47, 150);
    let first = last.next();
    assert_eq!(
        (first.index, first.period_start, first.open),
        (0, 2980, 2980)
    );
    assert_eq!(d.nth_next(48).open, d.open + 2880);
    assert_eq!(d.nth_next(0), d);
    assert!(!d.elapsed_at(339) && d.elapsed_at(340));
    assert_eq!(d.key(), (3, 280));
}

#[test]
fn post_stages_follow_lotus_confidences() {
    let d = deadline();
    assert_eq!(post_stage(&d, 100), PostStage::Wait);
    assert_eq!(
        post_stage(&d, 260),
        PostStage::Wait,
        "challenge epoch itself"
    );
    assert_eq!(post_stage(&d, 261), PostStage::Prove);
    assert_eq!(post_stage(&d, 283), PostStage::Prove);
    assert_eq!(post_stage(&d, 284), PostStage::Submit);
    assert_eq!(post_stage(&d, 338), PostStage::Submit);
    assert_eq!(
        post_stage(&d, 339),
        PostStage::Closed,
        "would land at close"
    );
    assert_eq!(post_stage(&d, 500), PostStage::Closed);
}

#[test]
fn declarations_only_before_the_fault_cutoff() {
    let d = deadline();
    assert!(!declarable(&d, 50), "too far ahead");
    assert!(declarable(&d, 100));
    assert!(declarable(&d, 207));
    assert!(!declarable(&d, 208), "within the margin of the cutoff");
    assert!(!declarable(&d, 290), "window open");
}

#[test]
fn partitions_from_lotus_json() {
    let from_json = |v| serde_json::from_value::<PartitionJson>(v).map(Partition::from);
    let p = from_json(json!({
        "AllSectors": [0, 4],
        "FaultySectors": [1, 2],
        "RecoveringSectors": [2, 1],
        "LiveSectors": [0, 3],
        "ActiveSectors": [0, 1],
    }))
    .unwrap();
    assert_eq!(p, partition(&[0, 1, 2, 3], &[1, 2], &[2], &[3]));
    assert_eq!(
        bits(&p.to_prove()),
        vec![0, 2],
        "live minus unrecovered faults"
    );
    assert_eq!(bits(&p.ignored(&bf(&[0]))), vec![0, 1, 3]);
    assert!(from_json(json!({"AllSectors": "x"})).is_err());
}

#[test]
fn declares_unreadable_faults_and_readable_recoveries() {
    let parts = vec![
        // Sector 1 is gone; 2 is faulty and back; 3 is faulty and still gone.
        partition(&[0, 1, 2, 3], &[2, 3], &[], &[]),
        // 4 is faulty and already recovering; 5 is terminated and gone.
        partition(&[4, 5], &[4], &[4], &[5]),
    ];
    let readable = bf(&[0, 2, 4]);
    let d = declarations(&parts, &readable);
    assert_eq!(d.faults.len(), 1);
    assert_eq!((d.faults[0].0, bits(&d.faults[0].1)), (0, vec![1]));
    assert_eq!(d.recoveries.len(), 1);
    assert_eq!((d.recoveries[0].0, bits(&d.recoveries[0].1)), (0, vec![2]));
    // A recovering sector gone again is declared faulty (the recovery is retracted).
    let d = declarations(&parts, &bf(&[0, 1, 2, 3]));
    assert_eq!(d.faults.len(), 1);
    assert_eq!((d.faults[0].0, bits(&d.faults[0].1)), (1, vec![4]));
    assert_eq!(bits(&d.recoveries[0].1), vec![2, 3]);
    assert!(declarations(&parts, &bf(&[0, 1, 4])).is_empty());
    assert_eq!(bits(&all_sectors(&parts)), vec![0, 1, 2, 3, 4, 5]);
}

#[test]
fn plans_the_partitions_not_posted_with_readable_sectors() {
    let parts = vec![
        partition(&[0, 1], &[], &[], &[]),
        partition(&[2, 3], &[], &[], &[]),
        partition(&[4, 5], &[], &[], &[]),
    ];
    let all = bf(&[0, 1, 2, 3, 4, 5]);
    let plan = plan_post(7, &parts, &BitField::new(), &all, 3);
    assert_eq!(plan.len(), 1);
    assert_eq!(plan[0].deadline, 7);
    assert_eq!(
        plan[0].partitions,
        vec![
            (0, BitField::new()),
            (1, BitField::new()),
            (2, BitField::new())
        ]
    );
    assert_eq!(plan[0].challenged, vec![0, 1, 2, 3, 4, 5]);
    assert_eq!(plan[0].proven, vec![0, 1, 2, 3, 4, 5]);
    // Already posted partitions are not proven twice.
    let plan = plan_post(7, &parts, &bf(&[0, 2]), &all, 3);
    assert_eq!(plan.len(), 1);
    assert_eq!(plan[0].partitions, vec![(1, BitField::new())]);
    assert_eq!(plan[0].challenged, vec![2, 3]);
    assert!(plan_post(7, &parts, &bf(&[0, 1, 2]), &all, 3).is_empty());
    // At most `max` partitions per message.
    let plan = plan_post(7, &parts, &BitField::new(), &all, 2);
    assert_eq!(plan.len(), 2);
    assert_eq!(plan[1].partitions, vec![(2, BitField::new())]);
    assert_eq!(plan[1].challenged, vec![4, 5]);
}

#[test]
fn skipped_and_faulty_sectors_are_replaced_by_a_stand_in() {
    let parts = vec![
        // 0 unreadable (skipped), 1 faulty, 2 recovering, 3 terminated.
        partition(&[0, 1, 2, 3, 4], &[1, 2], &[2], &[3]),
        // Nothing readable here: the partition is left out.
        partition(&[5, 6], &[], &[], &[]),
    ];
    let readable = bf(&[1, 2, 4]);
    let plan = plan_post(0, &parts, &BitField::new(), &readable, 3);
    assert_eq!(plan.len(), 1);
    let b = &plan[0];
    assert_eq!(b.partitions.len(), 1);
    assert_eq!((b.partitions[0].0, bits(&b.partitions[0].1)), (0, vec![0]));
    assert_eq!(
        b.challenged,
        vec![2, 2, 2, 2, 4],
        "ignored sectors stand in as 2"
    );
    assert_eq!(b.proven, vec![2, 4]);
    // No partition with anything readable: nothing to submit.
    assert!(plan_post(0, &parts, &BitField::new(), &bf(&[1, 3]), 3).is_empty());
}

#[test]
fn mock_proofs_verify_like_the_actor_checks_them() {
    let parts = vec![partition(&[0, 1, 2], &[1], &[], &[])];
    let plan = plan_post(0, &parts, &BitField::new(), &bf(&[0, 2]), 3);
    let comm = |n: u64| [n as u8 + 1; 32];
    let comm_rs: BTreeMap<u64, [u8; 32]> = (0..3).map(|n| (n, comm(n))).collect();
    let challenged = challenged_commitments(&plan[0], &comm_rs).unwrap();
    assert_eq!(challenged, vec![(0, comm(0)), (0, comm(0)), (2, comm(2))]);
    let rand = [9u8; 32];
    let proof = mock_window_post(10, 1000, rand, challenged.clone()).unwrap();
    use padma_proofs::verifier::{MockVerifier, ProofVerifier};
    let info = padma_proofs::PoStVerifyInfo {
        post_proof: 10,
        miner_id: 1000,
        randomness: rand,
        sectors: challenged.clone(),
        proof: proof.clone(),
    };
    assert!(MockVerifier.verify_window_post(&info).unwrap());
    // The proof is the testing-fake-proofs actors': it binds the randomness (drawn
    // with the miner's address as entropy, so another miner's differs) and the
    // challenged sectors, not the miner ID itself.
    let other_randomness = padma_proofs::PoStVerifyInfo {
        randomness: [8u8; 32],
        ..info.clone()
    };
    assert!(!MockVerifier.verify_window_post(&other_randomness).unwrap());
    let other_sectors = padma_proofs::PoStVerifyInfo {
        sectors: vec![(0, comm(0)), (2, comm(2))],
        ..info.clone()
    };
    assert!(!MockVerifier.verify_window_post(&other_sectors).unwrap());
    let missing = BTreeMap::from([(2, comm(2))]);
    assert!(challenged_commitments(&plan[0], &missing).is_err());
}

#[test]
fn params_encode_as_the_actor_reads_them() {
    let parts = vec![partition(&[0, 1], &[], &[], &[])];
    let plan = plan_post(5, &parts, &BitField::new(), &bf(&[0]), 3);
    let p = submit_params(&plan[0], 10, vec![1, 2, 3], 260, vec![7; 32]);
    let bytes = RawBytes::serialize(&p).unwrap();
    let back: SubmitWindowedPoStParams = bytes.deserialize().unwrap();
    assert_eq!(back.deadline, 5);
    assert_eq!(back.partitions.len(), 1);
    assert_eq!(back.partitions[0].index, 0);
    assert_eq!(bits(&back.partitions[0].skipped), vec![1]);
    assert_eq!(back.proofs.len(), 1);
    assert_eq!(i64::from(back.proofs[0].post_proof), 10);
    assert_eq!(back.proofs[0].proof_bytes, vec![1, 2, 3]);
    assert_eq!(back.chain_commit_epoch, 260);
    assert_eq!(back.chain_commit_rand.0, vec![7; 32]);

    let f = declare_faults_params(5, &[(1, bf(&[3, 4]))]);
    let back: DeclareFaultsParams = RawBytes::serialize(&f).unwrap().deserialize().unwrap();
    assert_eq!(back.faults.len(), 1);
    assert_eq!((back.faults[0].deadline, back.faults[0].partition), (5, 1));
    assert_eq!(bits(&back.faults[0].sectors), vec![3, 4]);
    let r = declare_recoveries_params(6, &[(0, bf(&[2]))]);
    let back: DeclareFaultsRecoveredParams =
        RawBytes::serialize(&r).unwrap().deserialize().unwrap();
    assert_eq!(
        (back.recoveries[0].deadline, back.recoveries[0].partition),
        (6, 0)
    );
    assert_eq!(bits(&back.recoveries[0].sectors), vec![2]);
}

#[test]
fn comm_r_comes_from_the_sealed_cid() {
    let mut comm = [5u8; 32];
    comm[31] &= 0x3f;
    let c = fvm_shared::commcid::replica_commitment_v1_to_cid(&comm).unwrap();
    assert_eq!(comm_r_of(&c).unwrap(), comm);
}
