"""The labelled call-history retrieval set: past contact-center calls, already redacted, and the
questions a CRM user or the next agent would ask about them, each with the one call that answers
it.

    python -m bench.retrieval_calls        # rewrites tests/data/retrieval/calls.json

The calls are written out below as scripts, four per topic, and the calls of one topic differ in
their specifics (devices, amounts, dates, places, reasons, outcomes), so they are easy to confuse
with each other: a question has to be matched by what sets its call apart, not by the topic.
Text is what live speech-to-text writes: lower case, fillers, numbers spelled out in the first
and third call of each topic ("eighty nine ninety nine", "pixel seven") and written as digits in
the second and fourth ("$89.99", "6:30", "sb8200"), as engines without and with number
formatting write them, and personal data already replaced by the redactor's tags (`<PERSON>`,
`<PHONE_NUMBER>`, ...), since the index only ever sees redacted text. Product names, amounts,
places, order and ticket numbers are not personal data and stay in the clear, as the redactor
leaves them.

Questions paraphrase their call: none shares a run of five words with its transcript. A
question marked `QC` below also carries its call's customer id, the optional filter of
`ContextService.SearchContext`, and is asked within that customer's calls only. Every question
was written to be answered by one call; a question that two calls answer equally well is a
fault of the set.

Generated parts (deterministic, no randomness): speaker identities, segment timings (from word
counts, about 2.7 words a second), and start times, one call every few days through 2025 in the
order written, so a customer's calls keep their story order. Output:

    {"calls": [{"call_id": "billing-01", "topic": "billing_dispute", "customer_id": "CUST-1001",
                "started_at": "2025-01-06T14:00:00Z",
                "segments": [{"role": "agent", "identity": "agent-0412", "text": "...",
                              "start_ms": 1200, "end_ms": 4900}, ...]}, ...],
     "questions": [{"id": "q-billing-01-1", "question": "...", "call_id": "billing-01"},
                   {"id": "q-billing-01-3", "question": "...", "call_id": "billing-01",
                    "customer_id": "CUST-1001"}, ...]}
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import NotRequired, TypedDict

__all__ = [
    "DATA_PATH",
    "CallRecord",
    "QuestionRecord",
    "RetrievalSet",
    "SegmentRecord",
    "build_set",
    "render",
    "write_set",
]

DATA_PATH = Path(__file__).resolve().parent.parent / "tests" / "data" / "retrieval" / "calls.json"

FIRST_CALL = datetime(2025, 1, 6, 14, 0, tzinfo=UTC)
AGENTS = ("agent-0412", "agent-0587", "agent-0733", "agent-0159", "agent-0864", "agent-0296")


class SegmentRecord(TypedDict):
    role: str
    identity: str
    text: str
    start_ms: int
    end_ms: int


class CallRecord(TypedDict):
    call_id: str
    topic: str
    customer_id: str
    started_at: str
    segments: list[SegmentRecord]


class QuestionRecord(TypedDict):
    id: str
    question: str
    call_id: str
    customer_id: NotRequired[str]


class RetrievalSet(TypedDict):
    calls: list[CallRecord]
    questions: list[QuestionRecord]


# Scripts: "@ call_id topic customer_id" starts a call; "A " and "C " lines are the agent's and
# the caller's segments; "Q " is a question, "QC " one asked with the customer filter; a line
# indented by two spaces continues the line before it.
SCRIPTS = """
@ billing-01 billing_dispute CUST-1001
A thank you for calling northline, my name is <PERSON>, who do i have on the line
C hi yeah it's <PERSON>, um, i'm calling about my bill
A sure, can you verify the phone number on the account
C <PHONE_NUMBER>
A thanks, okay i have your account up. what's going on with the bill
C so my bill went up by like forty bucks this month and i didn't change anything, it's usually
  around seventy and now it's a hundred and ten
A let me take a look. okay so it looks like the twelve month promotional rate on your internet
  and tv bundle ended on the statement before this one
C nobody told me that was ending though
A i'm sorry about that, we do send a notice but it's easy to miss. what i can do is put you on
  our loyalty discount, that's twenty five dollars off each month for the next six months
C so i'd be paying like eighty five
A right, eighty five plus taxes, starting with the next bill
C okay i guess that's better than a hundred and ten. can you, uh, set a reminder or something
  before that one ends too
A i'll add a note on the account and you'll get an email a month before it expires
C alright thanks, that's it
Q what discount did we give after the introductory bundle price ran out?
Q why did the customer's monthly charge jump about 40 dollars with no changes to the service?
QC how much will the customer pay each month now with the retention credit?

@ billing-02 billing_dispute CUST-1002
A northline billing, this is <PERSON> speaking
C hi, um, i got charged twice for my phone bill this month
A oh no, okay let's figure that out. can i get the account holder's name
C it's <PERSON>
A and the last four of the card the payment went on
C ends in 4417
A thank you. okay yeah i can see two payments of $89.99 both posted on march 3rd
C yeah like the app froze when i hit pay and then i hit it again, i think that's what happened
A that would explain it. so the second one is a duplicate, i'm going to reverse it right now
C how long until the money's back, because that's kind of my grocery money
A the reversal goes out today, depending on your bank it usually shows up in 3 to 5 business
  days
C ugh okay. can you email me something that says it's being refunded
A absolutely, i'm sending a confirmation to the email on file, the reference is in there too
C okay thank you
Q the customer paid the mobile bill two times by accident: when does the extra payment come back?
Q which customer paid $89.99 twice because the payment screen hung?

@ billing-03 billing_dispute CUST-1003
A thanks for calling northline, you're speaking with <PERSON>
C hi there, i have a late fee on my account and i really don't think i should have to pay it
A okay, i can look into that. what's the account number
C it's <ACCOUNT_ID>
A got it. so i see a fifteen dollar late payment fee on the april statement
C right but i'm on autopay, i've been on autopay for like three years
A i see that, so it looks like the autopay attempt on april second was declined, the card on
  file had expired at the end of march
C oh. oh shoot, yeah i got a new card in the mail, i never updated it
A that happens a lot. would you like to put the new card on the autopay now
C yes please. it's <CREDIT_CARD>, expiration <CARD_EXPIRY>
A perfect, that's saved. and since you've never been late before i'm going to waive the fifteen
  dollar fee as a one time courtesy
C oh that's great, thank you so much
A you're welcome, your next autopay will run on may second
Q why did the automatic payment bounce for the customer who was charged a penalty?
Q did we forgive the $15 overdue charge, and on what grounds?

@ billing-04 billing_dispute CUST-1004
A northline, this is <PERSON>, how can i help
C yeah hi, there's a charge on my bill i don't recognize, something called sports extra
A let me pull that up, can i have your phone number on the account
C <PHONE_NUMBER>
A thanks mister <PERSON>. okay so sports extra is a premium add on, $12.99 a month, it was
  added on february 11th
C i never ordered that. wait, was it ordered through the tv box
A yes it looks like it was purchased on screen using the remote
C oh my god, it was probably my son, he's 14 and he wanted to watch the hockey games
A that does happen. i can remove the package and credit the two months that were billed, so
  that's $25.98 back
C yes please do that. and can you stop that from happening again
A sure, i can turn on a purchase pin for the tv box, any on screen purchase will need it. please
  pick a 4 digit pin
C <PIN>
A done. the credit will show on your next statement
Q which add-on did a teenager buy with the television remote without permission?
Q how much was refunded for the premium channel nobody in the house meant to subscribe to?
QC what did we turn on to block unapproved purchases on the TV?

@ internet-01 internet_outage CUST-1001
A northline technical support, my name is <PERSON>
C hi, my internet's been down since last night, like completely down, nothing
A i'm sorry to hear that. can you confirm the address of the service
C <STREET_ADDRESS>
A thank you. okay so i'm seeing there's an outage affecting the whole riverside area right now
C is this from the storm
A yes, the storm last night brought a tree down on one of our fiber lines near the highway,
  crews have been out there since five this morning
C do you know when it'll be back, i've got a zoom interview at four
A the current estimate is by six pm today, i'm sorry i know that doesn't help with the interview
C ugh. okay i'll go to the library i guess
A since it's a full day outage you'll get an automatic credit for the day on your next bill
C alright. will you text me when it's back
A yes, i've signed you up for outage text alerts to the number on file
Q what took down the fiber serving the Riverside neighborhood?
Q when is the area-wide connection expected to return after the bad weather?
QC will the customer be compensated for the day without internet?

@ internet-02 internet_outage CUST-1005
A thanks for calling northline support, this is <PERSON>
C hey, so my wifi keeps cutting out, but only at night, like every evening around 8 it just
  drops
A okay, does it come back on its own
C after like 10 minutes yeah, but it happens every single night and we're trying to stream
A got it. which modem do you have, it should say on the side
C um it says arris surfboard sb8200
A thank you, let me check it remotely. okay i see the modem rebooting itself at about 8 each
  evening, and it's running pretty old firmware
C is that bad
A it's likely the cause, the older firmware has a known issue with maintenance scheduling. i'm
  pushing an update now, the modem will restart once, give it about 5 minutes
C okay the lights are blinking
A that's normal. once it's solid you should be set. if it still drops tonight call back and
  we'll send a technician
C okay, i'll watch it tonight
Q why did the home network go offline around the same hour every night?
Q what was done remotely to the Arris SB8200?

@ internet-03 internet_outage CUST-1006
A northline support, you're speaking with <PERSON>
C hi, i'm paying for the five hundred meg plan and i'm getting like forty, i ran the speed test
  like six times
A that's definitely not right. are you testing over wifi or plugged in
C plugged in, ethernet straight into the modem, same thing
A okay, let me run a line check. alright, i'm seeing a lot of noise on the coax line coming into
  the house, the signal levels are way off
C what does that mean
A usually a damaged cable or a loose splitter somewhere outside, it's not something you can fix
  yourself
C great. so what now
A i'd like to send a technician, the first opening is saturday between ten and two
C saturday works, someone will be home
A okay you're booked, saturday ten to two, you'll get a text when the tech is on the way
C okay thanks
Q what did the diagnostics find when downloads were a tenth of the subscribed 500 Mbps?
Q when is a technician visiting to repair the coaxial signal problem?

@ internet-04 internet_outage CUST-1007
A northline support, this is <PERSON>, what can i do for you
C hi my internet stopped working after i moved some stuff around in the living room
A okay, did you move the router or any of the equipment
C yeah i moved the router and the white box on the wall to the other side of the tv stand
A the white box is your fiber terminal. what lights do you see on it right now
C there's a red light that says l o s, it's blinking red
A okay, that means loss of signal, usually the green fiber cable got bent or came partly
  unplugged
C oh there's a green cable, yeah it's kinda bent around the corner
A please gently unplug it, make sure it's not kinked, and plug it back in until it clicks, don't
  touch the end of it
C okay, done. oh, the red light is off now, the p o n light is green
A perfect, give the router a minute. can you load a page
C yep, it's working, wow okay that was easy
A great, just try not to bend that cable tightly in the future
Q what caused the red LOS light after the customer rearranged the furniture?
Q which connection problem was fixed on the phone by reseating a cable, without a visit?

@ card-01 lost_card CUST-2001
A thank you for calling harbor bank card services, this is <PERSON>
C hi, um, my wallet got stolen, i need to cancel my card right away
A i'm sorry, let's get it locked right now. can you verify your date of birth
C <DATE_OF_BIRTH>
A thank you. okay the debit card ending in two two eight one is now blocked, nothing else can go
  through
C okay good. it happened at union station in chicago, like an hour ago, somebody bumped into me
A i'm sorry. let's look at recent activity. i see two charges after eleven am, one at a shell gas
  station for sixty two dollars, and one at best buy for four hundred and nineteen
C those are not me, no way
A okay, i'm opening a fraud claim for both of those, you'll get a provisional credit within two
  business days while we investigate
C thank you. and i need a new card, i'm kinda stuck without it
A i'm ordering a replacement with express shipping at no cost, it should arrive in two days. you
  can also add it to your phone wallet today
C okay that helps. should i file a police report
A it's a good idea, and if you do, you can add the report number to the claim online
Q what did the thief buy after the customer was pickpocketed in Chicago?
Q how fast will the replacement arrive for the debit card taken at the train station?
QC did we open a dispute for the purchases the customer didn't make?

@ card-02 lost_card CUST-2002
A harbor bank, you've reached <PERSON>, how can i help
C hey, i think i lost my debit card, i can't find it anywhere
A okay, when did you last have it
C yesterday at the gym, i think it fell out of my bag in the locker room, i called them and they
  don't have it
A let me check activity. the last transaction is yours at the grocery store yesterday morning,
  nothing after that
C okay, phew
A since nothing suspicious has happened, you have a choice, i can cancel the card and send a new
  one, or i can put a temporary freeze on it while you keep looking
C um, can i do the freeze, i feel like it might be in my car
A sure, the card is frozen now, no purchases or withdrawals will go through. you can unfreeze it
  in the app once you find it
C perfect
A and if you don't find it in a few days just call back or cancel it in the app and we'll mail a
  new one
C sounds good, thanks
Q did the customer who misplaced a card at the fitness center have it cancelled or only paused?
Q were there any unfamiliar transactions after the card went missing at the gym?

@ card-03 lost_card CUST-2003
A harbor bank international assistance, this is <PERSON>
C hi, i'm in lisbon on vacation and the atm just ate my card, it's gone, the machine kept it
A oh no, okay, i'm going to help you. for security i'll block the card first, is that okay
C yes, yes please
A done. do you have another way to pay while you're there
C not really, my husband's card is back home, i have like twenty euros in cash
A okay. i can arrange emergency cash for you, up to five hundred dollars, you'd pick it up at a
  partner location with your passport
C oh thank god, yes
A and i'll send an emergency replacement card to your hotel, it takes about three business days
  to portugal. what's the hotel address
C it's the hotel avenida palace, room four twelve, i can spell it
A no need, i've got it. the cash will be ready in about two hours, i'll text you the pickup code
C thank you so much, you're a lifesaver
Q how will the traveler whose card was swallowed by a cash machine abroad get money?
Q where is the emergency card being sent for the customer stuck in Portugal?

@ card-04 lost_card CUST-2004
A harbor bank credit card services, <PERSON> speaking
C hi, i got a text saying someone tried to activate my new credit card but i never even got the
  card
A okay, let me look. yes, i see an activation attempt this morning from a phone number that
  isn't on your profile, and it failed the verification
C i think it got stolen out of my mailbox, we've had mail stolen in our building before
A that's very possible. the good news is the card was never activated, so no charges went
  through
C okay. so what do i do, i don't want another one mailed there
A i'll cancel that card number completely, and instead of mailing the new one i can send it to
  your local branch for pickup
C yes, do that, the one on elm street downtown
A okay, it'll be ready at the elm street branch in 5 to 7 business days, bring a photo id
C great. should i report the mail thing
A yes, i'd report it to the postal inspection service, and i've added a fraud alert note to your
  profile
Q what happened to the new credit card that never reached the cardholder?
Q where will the customer collect the reissued card instead of getting it in the post?

@ address-01 address_change CUST-1005
A northline, this is <PERSON>, how can i help today
C hi, i'm moving next month and i want to take my internet with me
A congrats on the move. where are you moving to
C to denver, i got a job there. the new place is <STREET_ADDRESS>
A let me check service there. good news, that building is wired for our fiber, you can actually
  get faster speeds
C nice. i'm moving on the twelfth
A okay, i can stop service at your current place on the thirteenth and schedule the install at
  the new apartment on the fourteenth, between eight and noon
C perfect, and can you change my billing address too
A yes, i've updated the billing address to the new one effective the twelfth
C do i need to return the old modem
A yes, the new place uses a different router, we'll email you a prepaid return label
C okay great
Q when will service be installed at the customer's new home in Colorado?
QC what should the customer do with their current modem after relocating?

@ address-02 address_change CUST-3001
A thank you for calling summit insurance, this is <PERSON>
C hi, i need to update my mailing address, i moved in january and i haven't been getting any of
  my policy stuff
A i can help with that. can i have the policy number
C <ACCOUNT_ID>
A thank you. i see the address on file is still the old one on maple avenue
C yeah that's the old apartment, i thought i changed it online but i guess it didn't save
A no problem. what's the new address
C <STREET_ADDRESS>
A got it, that's updated for both the auto and the renters policy. it looks like your renewal
  documents and new insurance cards went to the old address last month
C oh great, so someone else has my insurance cards
A i'll cancel those and mail new id cards and the renewal packet to the new address, and you can
  download the cards in the app right away
C okay please do
A done. you should have the mail in about a week
Q why had the policyholder stopped getting insurance paperwork after moving in January?
Q where did the renewal packet and proof-of-insurance cards end up being mailed?

@ address-03 address_change CUST-4001
A thanks for calling shopwell customer care, i'm <PERSON>
C hi, my last two orders went to the wrong town and i think my address on the account is wrong
A let me look. can i get the email on the account
C <EMAIL_ADDRESS>
A thanks. okay, the street looks right but the zip code on file is four four one one two
C that's wrong, it's supposed to be four four one two one, the last two numbers are flipped
A that would send packages to the wrong post office, i'm sorry. i've corrected the zip code on
  your default address
C thanks. and the orders that went to the wrong place
A one got returned to us and i'll reship it today. the other one shows delivered, i'll open a
  trace with the carrier
C okay
A i've also turned on address verification so you'll get a prompt if anything looks off at
  checkout
C good idea, thank you
Q what was wrong with the postal code saved on the shopper's profile?
QC what happened to the two orders that were shipped to another town?

@ address-04 address_change CUST-2002
A harbor bank, this is <PERSON>, how can i help
C hi, so every winter we go down to florida, and i want my statements to go there while we're
  away
A sure, we can set up a seasonal address. what's the address in florida
C <STREET_ADDRESS>
A and the dates
C we leave november 1st and we come back april 15th
A okay, from november 1st to april 15th all mail, statements and cards will go to the
  florida address, then it switches back automatically
C oh good, last year i had to call twice to change it back
A this way it's automatic. do you also want paperless statements, then nothing gets lost in the
  mail
C no, my husband likes paper
A no problem, paper it is
C thank you dear
Q between which dates does the bank send mail to the customer's winter home?
QC did the customer sign up for electronic statements?

@ refund-01 refund CUST-4002
A shopwell customer care, this is <PERSON>
C hi, i returned a blender like three weeks ago and i still haven't gotten my money back
A i'm sorry about that. do you have the order number
C yeah it's s w seven seven one four two
A thank you. that's the ninja professional blender, one hundred and twenty nine ninety nine
C yep, it was leaking from the bottom so i sent it back
A i see the warehouse received it on the tenth, but the refund was never triggered, it looks
  like it got stuck in inspection
C so what does that mean
A i've pushed it through manually just now, the refund of one twenty nine ninety nine goes back
  to your visa, it takes five to seven business days to show up
C okay, finally. can i get that in writing
A sure, you'll get an email confirmation in the next few minutes
Q why was the money for the returned kitchen appliance still missing weeks later?
Q how much is coming back for the Ninja that leaked?

@ refund-02 refund CUST-4003
A ticketline support, my name is <PERSON>
C hi, the concert i bought tickets for got cancelled and i want to know about my refund
A sorry about that. which event was it
C the lumineers at the riverside amphitheater on the 22nd
A okay, i see that show was cancelled by the promoter. you have two tickets, $90 each
C yeah so $180, plus those fees
A for a cancelled event the refund is automatic and includes the service fees, so you'll get $204
  back
C oh okay, and when
A refunds for cancelled shows go out within 30 days to the original card, most people see it
  in about two weeks
C do i have to do anything
A no, nothing at all, and the tickets in your account will show as refunded once it's done
C okay cool, thanks
Q how much will the fan get back for the called-off Lumineers performance?
Q does the ticket buyer need to file a request to be reimbursed for the show?

@ refund-03 refund CUST-4004
A fitpath app support, this is <PERSON>
C hi, i just got charged a hundred and nineteen dollars for a yearly renewal and i didn't even
  know it was going to renew
A i'm sorry for the surprise. can i have the email on the account
C <EMAIL_ADDRESS>
A thank you. yes, the annual premium plan renewed on june fourth
C i haven't used the app since like february, i don't want it
A since the renewal was less than fourteen days ago you're eligible for a full refund, i'll
  process that now
C oh great
A i've also switched off auto renew, your access ends today
C that's fine. will i get a reminder if something renews in the future
A we send one seven days before any renewal, it may have gone to spam, i'd check your filters
C okay, thanks for your help
Q was the customer reimbursed completely for the fitness app subscription that auto-renewed?
QC how much was the annual app charge that we reversed?

@ refund-04 refund CUST-4005
A staywell reservations, this is <PERSON>
C hi, i cancelled a hotel booking and i still got charged for the night
A let me look into it. do you have the confirmation number
C it's hk4492
A thanks. the harborview inn in portland, one night on august 9th, charged $210
C right, i cancelled on the 6th, and it said free cancellation until 48 hours before
A i see your cancellation on august 6th at 10 in the morning, which is inside the free period.
  the hotel charged you by mistake
C so can i get it back
A yes, i've requested the refund from the hotel and flagged it as our error, you'll see $210
  back in 5 to 10 days
C okay, thank you
A and i'm adding a $20 credit for your next stay for the trouble
Q why was the guest billed for a room reservation they had called off in time?
Q what goodwill credit did we add for the Portland inn mistake?

@ appointment-01 appointment CUST-5001
A brightsmile dental, this is <PERSON>
C hi, i have a cleaning on tuesday and i need to move it, i have to travel for work
A no problem, can i have your name and date of birth
C <PERSON>, <DATE_OF_BIRTH>
A thank you. i see you with doctor patel on tuesday at nine
C yeah, i'll be in atlanta all week, can we do the week after
A let's see, the following week i have thursday at three thirty or friday at eight
C thursday at three thirty works
A okay, you're moved to thursday the twenty first at three thirty. we'll send a reminder two days
  before
C great. and is there a fee for moving it
A no, since you gave us more than twenty four hours notice there's no fee
Q why did the patient need to reschedule the teeth cleaning?
Q what is the new slot for the dentist visit that was pushed back a week?

@ appointment-02 appointment CUST-5002
A lakeside medical group scheduling, this is <PERSON>
C hi, i need to see a dermatologist, i have a mole on my back that's changed shape
A okay. are you an existing patient with dermatology
C no, first time, my doctor told me to get it looked at
A do you have a referral from your primary care doctor
C yeah doctor <PERSON> sent it last week
A i see it. the earliest new patient appointment is in 6 weeks, on october 3rd with doctor
  <PERSON>
C 6 weeks? that's kind of scary to wait
A i understand. i'll put you on the cancellation list so if something opens earlier we'll call
  you, and i'll flag the referral as changing mole so the nurse reviews it
C okay, thank you
A and if it bleeds or changes quickly before then, please go to urgent care
Q how long must the new patient wait to see a skin specialist?
Q what did scheduling do to get the worrying skin spot looked at sooner?

@ appointment-03 appointment CUST-5003
A riverside family clinic, this is <PERSON>
C hi, i got a bill for a fifty dollar no show fee and i want to explain what happened
A sure, go ahead
C my car broke down on the highway on the way there, i was waiting for a tow truck for two hours,
  i called but nobody answered
A i'm sorry, that sounds stressful. let me see. yes, a missed appointment on may ninth with the
  nurse practitioner
C yeah that one
A i see a voicemail was logged that morning from your number, so you did try to reach us. i'll
  waive the fee this time
C oh thank you
A would you like to rebook the visit
C yes, i still need my blood work checked
A i have next wednesday at ten forty
C that's good
Q why did the patient never arrive for the clinic visit they were billed $50 for?
Q was the penalty for skipping the nurse practitioner visit forgiven?

@ appointment-04 appointment CUST-5004
A motion physical therapy, you've reached <PERSON>
C hi, i just had knee surgery, an a c l repair, and my surgeon said i need to start physical
  therapy
A okay, congratulations on getting through surgery. do you have the prescription from the
  surgeon
C yeah, it says twice a week for 4 weeks
A so 8 sessions. what times work for you
C early mornings if possible, i'm back at work next week
A we open at 6:30. i can do mondays and thursdays at 6:30 starting next monday
C perfect
A please bring the surgeon's order and your insurance card to the first visit, and wear shorts
C will insurance cover all 8
A your plan covers up to 20 visits a year after a $10 copay, so you're fine
Q how many rehab sessions did the patient recovering from ACL surgery book, and on which days?
Q what should the knee patient bring to the first therapy appointment?

@ claim-01 insurance_claim CUST-3001
A summit insurance claims, this is <PERSON>
C hi, i need to file a claim, someone rear ended me this morning
A i'm sorry, is everyone okay
C yeah, just shaken up, my neck's a bit sore
A please get checked if that gets worse. can you tell me what happened
C i was stopped at a red light on fifth and main and a pickup truck just slammed into the back of
  me
A did you get the other driver's insurance information
C yes, i took a picture of his insurance card and his license plate, and the police came
A great. i've opened claim number c l eight two two four one. your bumper and trunk are damaged,
  is the car drivable
C it drives but the trunk won't close
A okay, your policy includes a rental, i'll set up a rental car at enterprise near you today. an
  adjuster will call you within forty eight hours to look at the damage
C okay thank you
A and since the other driver appears at fault, we'll go after his insurance for your deductible
Q what happened to the insured's car while it was waiting at a traffic signal?
Q is the policyholder getting a loaner vehicle during the collision repairs?
QC when should the claims adjuster reach out to the customer?

@ claim-02 insurance_claim CUST-3002
A summit insurance claims line, my name is <PERSON>
C hi, a pipe burst under my kitchen sink last night and there's water everywhere, the floor is
  soaked
A oh no. first, is the water shut off now
C yes my husband turned off the main valve
A good. your homeowners policy covers sudden water damage like this. i'm opening the claim now
C okay. the cabinets are ruined and the water went into the dining room, it's hardwood
A i'm going to send a water mitigation company to dry everything out, they can be there within
  4 hours
C okay. what's our deductible
A your deductible is $1,000. the repair of the pipe itself usually isn't covered,
  but the damage from the water is
C okay that makes sense
A take photos of everything before they start, and keep any receipts for hotel if you can't stay
  there
Q who is coming to dry out the house after the plumbing leak?
Q how much will the homeowner pay out of pocket on the flooding claim, and what is excluded?

@ claim-03 insurance_claim CUST-3003
A summit insurance, this is <PERSON>
C hi, my roof claim got denied and i want to appeal it, this is ridiculous
A i'm sorry to hear that, let me pull it up. is this for the hail storm in june
C yes, the big one, half my neighbors got new roofs paid for
A i see the adjuster's note says the damage was consistent with age and wear, not hail
C that's not true, the roof is eight years old, there are dents all over the gutters and the
  vents
A i understand. you can appeal, and you have the right to ask for a re inspection by a different
  adjuster
C yes i want that
A okay, i've submitted the appeal and requested a second inspection. it helps if you send photos
  of the dents and a roofer's estimate
C i have a roofer's report already, he says it's hail
A great, please upload it to the claim. you should hear back within ten business days
Q why was the storm damage to the roof rejected?
Q what are the next steps for the policyholder contesting the roofing decision?

@ claim-04 insurance_claim CUST-3004
A summit insurance claims, this is <PERSON>
C hi, someone broke into my car and stole my laptop, i want to know if my renters insurance covers
  it
A i'm sorry. where was the car when this happened
C parked outside my apartment overnight, they smashed the back window
A okay, the laptop is covered under your renters policy as personal property even when it's in
  the car, the window though would be your auto policy
C okay. it was a macbook pro, about $2,000
A your renters deductible is $500, so if approved you'd get around $1,500. do
  you have a police report
C yeah, the report number is 24-0881
A great. i'll also need proof of purchase, like the receipt or a bank statement
C i can get the receipt from apple
A perfect, upload it and we'll review within a week
Q which policy pays for a computer taken out of a parked vehicle?
Q what paperwork is needed for the stolen MacBook claim?

@ delivery-01 delivery_problem CUST-4001
A shopwell customer care, <PERSON> speaking
C hi, it says my package was delivered yesterday but i never got it
A i'm sorry. which order is it
C the sony headphones, order s w eight one three three zero
A i see it, the carrier marked it delivered at two fifteen pm, left at the front door
C there was nothing at the door, i checked with my neighbors too, nobody has it
A thanks for checking. since it's been more than a day, i can send a replacement right away at no
  charge
C yes please
A okay, the new pair ships today with signature required so it can't be left outside. it should
  arrive thursday
C great, thank you
A and i've filed a claim with the carrier for the missing one, you don't need to do anything
Q what are we doing about the Sony order that tracking says arrived but was never found?
Q how will the resent parcel be handed over differently this time?

@ delivery-02 delivery_problem CUST-4006
A homeline furniture, this is <PERSON>
C hi, our new couch came today and the fabric is ripped on one of the arms
A oh i'm so sorry. is it the grey sectional
C yes, the 3 piece one, the ripped part is on the left arm, there's like a 6 inch tear
A could you email some photos so we can attach them
C i already took some, i'll send them now
A thank you. we'll replace the damaged piece at no cost. the delivery team can pick up the left
  arm section and bring a new one
C how long will that take
A the new piece is in stock at the warehouse, the earliest delivery is next tuesday between 1
  and 5
C that's fine, we'll just use the other part until then
A great, you'll get a call the day before
Q what was wrong with the sofa when it was delivered?
Q when is the replacement piece of the sectional coming?

@ delivery-03 delivery_problem CUST-4002
A shopwell customer care, this is <PERSON>
C hi, my order is like a week late and it's a birthday present, the party is saturday
A i'm sorry, let me look. the lego set, order s w nine zero two one one
C yeah the millennium falcon one
A the tracking shows it's been sitting at the carrier's hub in memphis since last monday, it
  looks like it got stuck there
C so is it lost
A it might be, i don't want to risk the birthday, so i'll send a new one with overnight shipping
  today, it'll be there by friday
C oh that would be amazing
A and if the first one shows up you can just refuse it or send it back with the label we'll
  include
C okay, thank you so much
Q where has the late birthday gift been sitting?
Q what did we do so the present gets there before the weekend party?
QC which toy had the customer ordered as a gift?

@ delivery-04 delivery_problem CUST-4007
A shopwell customer care, this is <PERSON>
C hey, i ordered running shoes in size 10 and i got a size 8
A i'm sorry about that. which shoes
C the brooks ghost, the blue ones
A okay, i see you ordered the ghost 15 in blue, size 10, and it looks like the warehouse
  packed the wrong size
C yeah the box even says 8
A i'll send the size 10 out today, and email you a prepaid return label for the 8s
C do i have to send them back first
A no, the new pair goes out right away, just drop the old pair at any ups store within 30
  days
C okay perfect
Q what was wrong with the Brooks sneakers that arrived?
Q must the customer ship back the wrong pair before the correct ones are sent?

@ upgrade-01 plan_upgrade CUST-1002
A northline mobile, this is <PERSON>
C hi, we keep going over our data, i want to look at a bigger plan
A sure. right now you're on the five gig shared plan with two lines
C yeah, my daughter watches videos on the bus every day and we've paid overage three months in a
  row
A i see ten dollar overage charges in march, april and may. the unlimited family plan would be
  the best fit, it's thirty dollars more per month for both lines
C what about hotspot
A unlimited includes fifteen gigs of hotspot per line
C okay let's do it
A done, the unlimited plan starts today, and i'll prorate the rest of this month
C will her phone need anything
A no, just restart it and it'll pick up the new plan
Q why did the family switch from 5 GB of shared data to unlimited?
Q how much more per month does the unlimited family option cost?
QC what repeated extra fees had the customer been paying for data?

@ upgrade-02 plan_upgrade CUST-1006
A northline, this is <PERSON>, how can i help
C hi, i want to upgrade my internet, i'm on the 300 meg plan
A sure, what's prompting the upgrade
C i started streaming on twitch and my son games online, the upload is killing us
A got it. the gig plan gives you 1,000 down and also much faster upload, it's $20
  more a month
C and do i need new equipment
A yes, for gig speeds you need our wifi 6 router, i'll ship it free, it arrives in 2 days
C okay. is there a contract
A no contract, you can go back down anytime
C alright, let's do the gig
A done, your speed changes as soon as the new router is plugged in
Q why did the customer want a faster home broadband tier?
Q what hardware is needed for gigabit service, and is there a term commitment?
QC was any new equipment shipped to the customer?

@ upgrade-03 plan_upgrade CUST-1004
A northline tv, this is <PERSON>
C hi, football season's starting and i want to get the channels with the nfl games
A sure. you're on the basic tv package right now. for the sunday games you'd want the sports plus
  tier
C how much is that
A it's eighteen dollars more a month, or fourteen if you commit for twelve months
C i only want it for the season though, like september through january
A then no commitment is better, eighteen a month and you can drop it anytime
C okay let's do that, the eighteen one
A done, the channels will be live on your tv box within an hour
C and it's just through the box, no new equipment
A correct, nothing else needed
Q which TV tier was added so the customer can watch pro football on Sundays?
QC did the customer agree to a one-year term for the added channels?

@ upgrade-04 plan_upgrade CUST-1008
A northline mobile, <PERSON> speaking
C hey, i'm looking to upgrade my phone, i've got an iphone 11 and the battery's shot
A sure, are you interested in the iphone 15
C yeah, the regular 15, 128 gigs
A with trade in, your iphone 11 in good condition is worth $150
C okay and what would i pay monthly
A it's $24 a month for 36 months, and the trade in credit comes off over
  the first few bills
C alright. is the screen cracked a problem, it has a small crack in the corner
A a cracked screen would drop it to $40 unfortunately
C hm. that sucks, okay, still do it
A alright, i'll ship the 15 with a trade in kit, send the 11 back within 30 days
Q how much is the old iPhone 11 worth as a trade-in given its damaged display?
Q what monthly installment will the customer pay for the iPhone 15?

@ password-01 password_reset CUST-2001
A harbor bank digital support, this is <PERSON>
C hi, i'm locked out of online banking, i typed my password wrong too many times
A okay, i can help. normally you'd reset it with a text code, does that not work
C no, the code goes to my old number, i changed numbers after my phone got stolen
A i see. for security i'll need to verify you another way, i'll ask a few questions from your
  credit file
C okay
A what's the approximate balance on your auto loan with us
C i think it's around eleven thousand
A that matches. and which of these streets have you lived on, hawthorne, birch or lake shore
C birch
A thank you, you're verified. i've updated your mobile number and unlocked the account, you'll
  get a text with a temporary password
C got it
Q why could the customer not receive the one-time code to get back into internet banking?
Q how was the customer's identity verified without the SMS?
QC did we update the customer's mobile number on file?

@ password-02 password_reset CUST-1003
A northline email support, you're speaking with <PERSON>
C hi, i forgot the password to my northline email and the reset link goes to the same email i
  can't get into
A that's a frustrating loop. did you set up a recovery phone or security questions
C i think security questions, years ago
A okay, i'll send the questions to the screen. first one, what was the name of your first pet
C oh gosh, um, was it biscuit
A that's correct. and the city where your parents met
C cleveland
A perfect. i'm sending a reset to the screen now, please choose a new password
C okay done
A while we're here, i'd suggest adding a recovery phone number so this is easier next time
C yes, let's do <PHONE_NUMBER>
Q how did the customer regain access to the webmail when the recovery link was useless?
QC what backup contact was added to the customer's email account?

@ password-03 password_reset CUST-5002
A lakeside medical group patient portal help desk, this is <PERSON>
C hi, i can't log into the patient portal, it asks for the code from the authenticator app but my
  old phone broke
A okay, so you need your two step verification reset. can i verify your date of birth
C <DATE_OF_BIRTH>
A and your medical record number or the last four of your social
C the last four are <US_SSN>
A thank you. i've removed the old authenticator, the next time you sign in it'll ask you to set
  it up again on the new phone
C okay i'm trying, it's showing a q r code
A scan it with the authenticator app on your new phone, then type in the six digit code
C okay, done, i'm in, i can see my test results now
A great. i'd recommend saving the backup codes it shows you
Q why could the patient not sign in to see their lab results online?
Q what did the help desk reset so the portal works on a replacement phone?

@ password-04 password_reset CUST-4004
A shopwell account security, this is <PERSON>
C hi, i think somebody hacked my account, i can't log in and i got an email saying my email
  address was changed
A okay, let's lock it down. can you verify your phone number
C <PHONE_NUMBER>
A thank you. i see the email was changed at 2 am to an address that isn't yours, and there's
  an order placed for 2 gift cards
C oh my god, i didn't do that
A i've cancelled the gift card order before it shipped, and i've locked the account
C thank you
A i'm restoring your original email, and you'll get a link to set a new password. please use one
  you don't use anywhere else
C i did use the same password on a few sites, yeah
A i'd change those too, and i'm turning on two step verification for you
Q what did the intruder try to buy after taking over the shopping account?
QC how was the compromised login secured?

@ roaming-01 roaming_charges CUST-1002
A northline mobile, this is <PERSON>
C hi, my bill has like three hundred dollars in roaming charges from my trip to mexico and i had
  the travel pass
A let me look. i see roaming data in cancun from july second to ninth, three hundred and twelve
  dollars
C i added the travel pass in the app before i left
A i see the request, but it failed because the card on file had been declined that day, so the
  pass never activated
C nobody told me that
A you should have gotten a text, but i can see you tried. i'm going to apply the travel pass for
  those days retroactively, that's ten dollars a day, so seventy dollars instead
C so i'd get like two forty back
A yes, a credit of two hundred forty two dollars on your next bill
C okay, that's fair, thank you
Q why did the vacation in Cancun produce such a large data bill?
Q how much was credited once the daily international pass was backdated?

@ roaming-02 roaming_charges CUST-1008
A northline mobile, my name is <PERSON>
C hey, i went on a cruise to the bahamas and now i have an $85 charge for something
  called maritime
A i see it. when you're on a cruise ship your phone connects to the ship's own cellular network,
  which isn't covered by any of our travel plans
C but i had my phone on airplane mode most of the time
A the charges are from the first evening, on the 12th, about 40 minutes of data before
  airplane mode was on
C oh. that was probably when i was posting pictures of the boat
A i understand. as a one time courtesy i can credit half, $42.50
C okay, i'll take that
A for next time, keep data off and use the ship's wifi package instead
Q what was the surprise fee after the customer's sea voyage?
QC was the customer given a one-off goodwill credit, and how much?

@ roaming-03 roaming_charges CUST-1009
A northline mobile, this is <PERSON>
C hi, i'm going to japan for two weeks next month and i don't want a crazy bill, what are my
  options
A sure. you have two. the travel day pass is ten dollars for each day you use your phone there
C so like a hundred and forty
A right, if you use it every day. or the thirty day international plan is a flat seventy dollars
  with fifteen gigs of data
C oh the seventy one is obviously better
A i agree for two weeks. when do you leave
C the third, flying into tokyo
A i've set the international plan to start on the third and it'll stop automatically after
  thirty days
C and my phone will just work there
A yes, just turn on data roaming in settings when you land
Q which overseas option did the customer pick for the upcoming trip to Tokyo?
QC when does the customer's travel plan begin?

@ roaming-04 roaming_charges CUST-1010
A northline mobile, this is <PERSON>
C hi, i'm in toronto for a conference and my phone says no service, i can't call or use data
A i'm sorry. let me check your line. it looks like international roaming is turned off on your
  account
C i never turned it off
A it was switched off in january when there was a past due balance, and never turned back on
C oh, okay, that makes sense i guess
A i've turned it back on now, please restart your phone
C okay, restarting. okay i have bars now, it says rogers
A great, that's our partner up there. canada is included in your plan, so no extra charge
C oh good, thank you
Q why did the customer's cell phone show no signal at the event in Canada?
Q is there an extra fee for using the mobile line north of the border?

@ rx-01 prescription CUST-5001
A carewell pharmacy, this is <PERSON>
C hi, i tried to refill my blood pressure pills and it says no refills left
A okay, can i have your name and date of birth
C <PERSON>, <DATE_OF_BIRTH>
A thank you. that's the lisinopril ten milligrams, and yes, the prescription has run out of
  refills
C i only have two pills left
A i'll send a refill request to doctor <PERSON>'s office now, it usually takes one to two
  business days
C and if i run out before that
A the pharmacist can give you a three day emergency supply so you don't miss any doses
C okay please do that
A it'll be ready for pickup in an hour, and we'll text you when the doctor approves the full
  refill
Q which hypertension drug needs a new authorization from the physician?
Q how is the patient covered until the doctor approves more of their medicine?
QC when can the customer collect the short-term supply?

@ rx-02 prescription CUST-5003
A carewell pharmacy, you've reached <PERSON>
C hi, i went to pick up my inhaler and they said insurance won't cover it and it's like $300
A let me check. that's the advair diskus, and your plan rejected it because it's a brand name and
  there's a generic
C is the generic the same
A it has the same two medicines, it's called wixela. with your plan it's a $20 copay
C oh okay, yeah, i'll take the generic then
A i'll need your doctor to okay the switch, i'll fax them now. if your doctor wants you on the
  brand, they can request a prior authorization instead
C the generic is fine
A okay, it should be ready tomorrow afternoon
Q why was the asthma medication so expensive at the counter?
Q what cheaper equivalent of the Advair did the pharmacist suggest?

@ rx-03 prescription CUST-5005
A carewell mail order pharmacy, this is <PERSON>
C hi, my insulin came today and the ice packs were totally melted, the box was warm
A i'm sorry, you're right not to use it. how long was it sitting out
C the tracking says it was delivered yesterday afternoon, i was at work, it was like ninety
  degrees out
A okay. please don't use those pens. i'm sending a replacement with overnight shipping in a new
  insulated box
C do i have to send the warm ones back
A no, please dispose of them at a pharmacy drop off. and i'll mark your deliveries to require a
  signature, or we can send them to your work
C work would be better actually, i'm there during the day
A what's the work address
C <STREET_ADDRESS>
A updated. you'll have the new pens tomorrow by noon
Q why can't the patient use the diabetes medication that came by post?
Q where will future mail-order medicine shipments go?

@ rx-04 prescription CUST-5004
A carewell pharmacy, this is <PERSON>
C hi, i moved across town and i want to move my prescriptions to the store on oak street
A sure, are they at another carewell store or a different pharmacy
C another carewell, the one on harbor road
A that makes it easy. which ones
C my sertraline, my vitamin d, and the pain medication from my knee surgery
A i can move the sertraline and the vitamin d today. the pain medication is a controlled
  prescription, that one can't be transferred, you'd need a new prescription from your surgeon
C oh okay, i don't really need it anymore anyway
A then i'll move the two. the oak street store will have them on file in an hour
C great, thanks
Q which of the customer's medicines could not be moved to the other branch, and why?
Q to which store were the antidepressant and the supplement transferred?

@ travel-01 travel_change CUST-6001
A skyway airlines reservations, this is <PERSON>
C hi, i need to change my flight, i'm going boston to seattle on the twelfth and i need to go on
  the fifteenth instead
A sure, can i have the confirmation code
C it's k q seven r two m
A thank you, <PERSON>. i see the flight twelve fourteen on the twelfth. on the fifteenth i have a
  nine am and a two forty pm
C the morning one
A okay, there's no change fee on your fare, but the fifteenth is a bit more expensive, the fare
  difference is sixty four dollars
C ugh, fine
A i'll charge the card on file, and your seat will be fourteen c, an aisle
C great
A you'll get the new itinerary by email
Q to which date was the Seattle trip moved, and what did the change cost?
QC which flight did the customer move to a later departure date?

@ travel-02 travel_change CUST-6002
A skyway airlines, <PERSON> speaking
C hi, my connecting flight in denver just got cancelled, i'm at the airport, it's snowing like
  crazy
A i'm sorry. i see flight 2860 to portland was cancelled due to the storm
C what can you do, i need to get home
A the first flight with open seats is tomorrow at 7:10 am, i can put you on that
C tomorrow? okay, do i have to sleep at the airport
A since it's weather, normally hotels aren't covered, but i'll give you a hotel voucher this
  time, and a meal voucher
C okay that's something
A the vouchers will be on your phone in a few minutes, the shuttle leaves from door 5
C thank you
A and your bag will be transferred to the new flight automatically
Q what was arranged for the passenger stranded overnight by snow in Colorado?
Q when does the rebooked flight to Portland depart?

@ travel-03 travel_change CUST-6003
A skyway airlines, this is <PERSON>
C hi, i just noticed my last name is spelled wrong on my ticket, it's missing a letter
A no problem, we can fix small spelling mistakes. what's the confirmation code
C it's b h four w t nine
A and how should it be spelled, as it appears on your passport
C it's <PERSON>
A thank you. i've corrected it, it's an international flight to london so the name must match
  the passport exactly
C yeah that's why i'm worried
A it's all fixed now, there's no fee for a correction of one or two letters
C oh good
A you'll get an updated confirmation, please check it matches your passport
Q what was wrong on the booking for the London flight?
Q did the traveler pay anything to fix the surname typo?

@ travel-04 travel_change CUST-6001
A skyway airlines, you're speaking with <PERSON>
C hi, we're flying to orlando next month, the whole family, and i want to add bags and sit
  together
A sure. i see four passengers on confirmation mp3x8k. how many checked bags
C 3 bags, and also i have a baby, she's 8 months, she'll sit on my lap, is she on the
  ticket
A i don't see the infant, i'll add her as a lap infant, that's free on domestic flights, i just
  need her date of birth
C <DATE_OF_BIRTH>
A thank you. 3 bags is $90 each way. and for seats, i can put all four of you
  together in row 22
C yes please
A done. the total for bags is $180, seats together are free
C perfect
Q was the baby added to the family's Florida reservation, and at what cost?
Q how much will the checked luggage cost for the Orlando trip?

@ cancel-01 cancellation CUST-4004
A ironworks gym membership services, this is <PERSON>
C hi, i need to cancel my membership, i'm moving to another state
A sorry to see you go. can i ask where you're moving, we have clubs in a lot of states
C phoenix, i checked and there's no ironworks there
A okay, there isn't, you're right. so our contract requires thirty days notice, so you'll have
  one last payment of forty nine ninety nine on the first
C even if i'm leaving on the tenth
A yes, the notice period covers that, but you can keep using the gym until the end of next month
C okay fine
A and if you show us a new lease or utility bill in arizona, we can waive the annual maintenance
  fee
C oh i have the lease, i'll email it
A great, your cancellation is effective the thirtieth
Q what is the final charge for the gym membership being ended because of the move to Phoenix?
Q what document could get the yearly upkeep fee dropped for the departing member?

@ cancel-02 cancellation CUST-1007
A northline customer retention, this is <PERSON>
C hi, i want to cancel my internet, i'm switching to another provider
A i'm sorry to hear that, can i ask why
C honestly the price, i'm paying $95 and city fiber is offering the same speed for $55
A i understand. i can offer you $60 a month for 12 months if you stay
C no, i already signed up with them, the install is friday
A okay. i'll set your service to end on friday then. you'll need to return the router and the
  fiber box
C where do i send them
A you can drop them at any northline store or ups, i'll email a prepaid label. if they're not
  returned in 30 days there's a $150 fee
C got it
Q what retention deal did the customer leaving for City Fiber turn down?
Q what is the penalty if the equipment from the closed internet account is not sent back?
QC on which day does the customer's service stop?

@ cancel-03 cancellation CUST-3002
A summit insurance, this is <PERSON>
C hi, i sold my car last week and i want to cancel the auto policy on it
A sure, is that the twenty eighteen honda civic
C yes, that's the only car on the policy
A okay. when did the sale happen
C last saturday, the twelfth
A i'll cancel it effective the twelfth. you paid six months in advance, so you'll get back the
  unused premium, about three hundred and eighty dollars
C great, how do i get that
A it goes back by check to your mailing address within two weeks
C okay. and this doesn't affect my homeowners policy right
A correct, the homeowners stays the same, only the auto is cancelled
Q how much prepaid premium is being returned after the Civic was sold?
QC does ending the car coverage change the customer's house coverage?

@ cancel-04 cancellation CUST-1011
A northline customer care, this is <PERSON>
C hi, i need to cancel my mother's home phone, she moved into a care home last month
A i'm sorry to hear that. are you listed on the account
C no, it's in her name, but i have power of attorney
A okay, i'll need a copy of the power of attorney document before i can make changes
C i can email it today
A great, once we get it we'll cancel the landline and close the account, any credit left will be
  refunded to you as her representative
C and she has a medical alert thing that uses the phone line
A you'll want to contact the alert company first, it may need a cellular unit instead
C oh good point, i'll call them
A i've sent you the upload link by text
Q what legal paperwork is needed to disconnect the landline of a parent now in assisted living?
Q which device relying on the elderly mother's line needs to be dealt with first?

@ fault-01 technical_fault CUST-1009
A northline device support, this is <PERSON>
C hi, my pixel seven just stopped charging, like completely, it's at three percent
A okay, have you tried a different cable and charger
C yeah, two cables and two bricks, and the wireless charger, nothing
A hm, wireless too. can you look in the port with a flashlight, sometimes lint gets packed in
  there
C i cleaned it with a toothpick yesterday, there was some lint but it still doesn't work
A okay, since wireless charging also fails, it's likely the battery or the board. your phone is
  still under the one year warranty
C oh good, i bought it in march
A i'll set up a warranty replacement, we'll ship a new phone and a return box, you'll have it in
  two days
C can i keep my number and stuff
A yes, your number stays. back up your photos before you send the old one
Q the call about the Pixel 7 that would not charge: what was the outcome?
Q what had the owner already tried before the dead Android phone was replaced under warranty?
QC is the customer receiving a new handset?

@ fault-02 technical_fault CUST-1004
A northline tv support, this is <PERSON>
C hi, my tv box is stuck on a screen that says error e102 and nothing works
A okay, have you tried restarting it
C yeah, i unplugged it like 3 times, it comes back to the same error
A let me send a reset signal from here. okay, it should reboot now
C it's rebooting, ugh, same error again
A okay, e102 means the box's hard drive has failed, so we'll need to replace it
C will i lose my recordings
A unfortunately the recordings are on that drive, i'm sorry. the new box will have cloud dvr so
  that won't happen again
C okay, when do i get it
A i'll ship it today, it'll arrive wednesday, and you can return the old one in the same box
Q what does code E-102 on the cable receiver mean?
Q could the customer's recorded shows be saved after the set-top box died?
QC when will the replacement receiver arrive?

@ fault-03 technical_fault CUST-4007
A shopwell tech support, this is <PERSON>
C hi, the keyboard on my laptop stopped working, well, some keys, the e and the r and the space
  bar
A which laptop is it
C the dell x p s thirteen i bought from you in november
A okay. have you spilled anything on it
C no, nothing
A let's try an external keyboard. does a usb keyboard work
C yeah, the usb one works fine
A then it's the built in keyboard hardware. you're covered under the manufacturer warranty and
  our protection plan
C okay, so what do i do
A we'll send you a box, you mail it to the repair depot, turnaround is about seven to ten days
C that's a long time without a laptop
A i can add a loaner from the protection plan, we'll ship it with the box
Q which keys on the customer's Dell XPS 13 stopped responding?
Q how long will the mail-in repair of the notebook take, and what will the customer use meanwhile?

@ fault-04 technical_fault CUST-4006
A homeline appliance support, this is <PERSON>
C hi, my samsung washer won't start a wash, it shows 4c on the screen
A okay, 4c means the washer isn't getting enough water. are the water taps behind the
  machine open
C i checked, they're both open
A okay. sometimes the filter in the hose gets clogged. can you check the hose for kinks
C there's no kink, i pulled it out from the wall
A alright, then it's likely the inlet valve. the washer is 11 months old so it's under
  warranty
C okay
A i'll book a technician. the first available is monday between 8 and 12
C monday's fine
A great, the tech will bring a new inlet valve, please leave access to the back of the machine
Q what does the 4C code on the Samsung laundry machine indicate?
QC when is the technician coming to fix the washing machine?

@ payarr-01 payment_arrangement CUST-7001
A brightpower energy, this is <PERSON>
C hi, um, i lost my job last month and i can't pay my electric bill all at once
A i'm sorry to hear that. let me look at the account. the balance is four hundred and twenty
  dollars, due on the twentieth
C yeah, i can maybe pay some of it
A we can set up a payment arrangement. i can split it into three payments of one hundred forty,
  on the twentieth of this month and the next two months
C and my power won't get cut off
A as long as the payments are made, no disconnection. you may also qualify for our assistance
  program, i'll text you the application
C okay, that would help a lot
A your next regular bill will still come as usual, the arrangement is on top of that
C okay i understand
Q how was the $420 electricity balance split for the customer who became unemployed?
Q will the utility disconnect the customer while the installments are being paid?

@ payarr-02 payment_arrangement CUST-5005
A lakeside medical group billing, this is <PERSON>
C hi, i got a bill for $2,300 from the emergency room and there's no way i
  can pay that
A i understand. let me look. that's from the visit on march 4th
C yeah, when i had the allergic reaction
A your insurance paid part and the remaining balance is $2,300. we have a
  financial assistance program based on income
C how does that work
A you send proof of income, and depending on household size it can reduce the bill by up to 100
  percent
C okay, and in the meantime
A i'll put the account on hold for 60 days while it's reviewed, no collections. if it's not
  approved we can do a monthly plan, like $100 a month with no interest
C okay, that's a relief
Q what help was offered with the ER bill from the allergy episode?
Q will the hospital balance go to a debt collector while the aid request is reviewed?
QC what would the customer pay monthly if the assistance is denied?

@ payarr-03 payment_arrangement CUST-2004
A harbor bank loan servicing, this is <PERSON>
C hi, i want to change the due date on my car loan, the first of the month is really hard for me
A sure, what date works better
C the fifteenth, that's when i get paid
A okay, i can move it to the fifteenth. one thing, because it pushes the payment two weeks,
  there's a little extra interest, about eight dollars one time
C that's fine
A and it starts next month, so your payment on the first of this month is still due
C yeah i already paid that one
A great, then your next payment of three hundred twelve dollars is due on the fifteenth of next
  month
C perfect, thanks
Q why did the borrower ask to move the auto loan payment later in the month?
Q what is the one-time cost of shifting the vehicle financing due date?
QC how much is the customer's next installment and when is it due?

@ payarr-04 payment_arrangement CUST-1002
A northline mobile collections, this is <PERSON>
C hi, my phones got shut off this morning and i need them back on, i have kids
A i understand. i see the account is 62 days past due, $260
C i know, that roaming thing messed up my budget, i can pay some today
A if you can pay half today, $130, i can restore service right away and set the
  rest for two weeks from today
C okay, i can do that
A please go ahead with the card number
C <CREDIT_CARD>, <CARD_EXPIRY>, <CARD_CVV>
A thank you, the payment went through. your lines will come back within the hour
C thank you so much
A the remaining $130 is due on the 24th, i'll text you a reminder
Q how soon will the suspended mobile lines be reconnected after the partial payment?
QC how much is still owed after the half payment, and by when?
"""


@dataclass
class _Script:
    call_id: str
    topic: str
    customer_id: str
    lines: list[list[str]] = field(default_factory=list)  # [kind, text]


def _parse(scripts: str) -> list[_Script]:
    calls: list[_Script] = []
    for number, line in enumerate(scripts.splitlines(), start=1):
        if not line.strip():
            continue
        if line.startswith("  "):
            if not calls or not calls[-1].lines:
                raise ValueError(f"line {number}: a continuation with nothing to continue")
            calls[-1].lines[-1][1] += " " + line.strip()
            continue
        kind, _, rest = line.partition(" ")
        if kind == "@":
            call_id, topic, customer = rest.split()
            calls.append(_Script(call_id, topic, customer))
        elif kind in ("A", "C", "Q", "QC") and rest.strip() and calls:
            calls[-1].lines.append([kind, rest.strip()])
        else:
            raise ValueError(f"line {number}: cannot parse {line!r}")
    return calls


def _segments(lines: Sequence[list[str]], call_index: int) -> list[SegmentRecord]:
    """Segments with identities and timings: speech at ~2.7 words a second, with pauses."""
    agent = AGENTS[call_index % len(AGENTS)]
    caller = f"caller-{call_index + 1:03d}"
    segments: list[SegmentRecord] = []
    cursor = 1200
    for n, (kind, text) in enumerate(lines):
        role = "agent" if kind == "A" else "caller"
        duration = 400 + 370 * len(text.split())
        segments.append(
            SegmentRecord(
                role=role,
                identity=agent if role == "agent" else caller,
                text=text,
                start_ms=cursor,
                end_ms=cursor + duration,
            )
        )
        cursor += duration + 350 + (n * 7 + call_index * 13) % 900
    return segments


def build_set() -> RetrievalSet:
    calls: list[CallRecord] = []
    questions: list[QuestionRecord] = []
    for index, script in enumerate(_parse(SCRIPTS)):
        call_id, customer = script.call_id, script.customer_id
        said = [line for line in script.lines if line[0] in ("A", "C")]
        asked = [line for line in script.lines if line[0] in ("Q", "QC")]
        started = FIRST_CALL + timedelta(days=5 * index + index % 3, minutes=37 * (index % 11))
        calls.append(
            CallRecord(
                call_id=call_id,
                topic=script.topic,
                customer_id=customer,
                started_at=started.strftime("%Y-%m-%dT%H:%M:%SZ"),
                segments=_segments(said, index),
            )
        )
        for n, (kind, question) in enumerate(asked, start=1):
            record = QuestionRecord(id=f"q-{call_id}-{n}", question=question, call_id=call_id)
            if kind == "QC":
                record["customer_id"] = customer
            questions.append(record)
    return RetrievalSet(calls=calls, questions=questions)


def render(data: RetrievalSet) -> str:
    """JSON with one segment and one question per line."""

    def dump(value: object) -> str:
        return json.dumps(value, ensure_ascii=False)

    lines = ['{"calls": [']
    for i, call in enumerate(data["calls"]):
        head = {k: v for k, v in call.items() if k != "segments"}
        lines.append(" " + dump(head)[:-1] + ', "segments": [')
        segments = [f"  {dump(s)}," for s in call["segments"]]
        segments[-1] = segments[-1][:-1]
        lines.extend(segments)
        lines.append(" ]}" + ("," if i < len(data["calls"]) - 1 else ""))
    lines.append('], "questions": [')
    questions = [f" {dump(q)}," for q in data["questions"]]
    questions[-1] = questions[-1][:-1]
    lines.extend(questions)
    lines.append("]}")
    return "\n".join(lines) + "\n"


def write_set(path: Path = DATA_PATH) -> RetrievalSet:
    data = build_set()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render(data), encoding="utf-8")
    return data


def main() -> None:
    data = write_set()
    calls, questions = data["calls"], data["questions"]
    topics = {c["topic"] for c in calls}
    customers = {c["customer_id"] for c in calls}
    filtered = sum("customer_id" in q for q in questions)
    print(
        f"wrote {len(calls)} calls ({len(topics)} topics, {len(customers)} customers) and "
        f"{len(questions)} questions ({filtered} with a customer filter) to {DATA_PATH}"
    )


if __name__ == "__main__":
    main()
